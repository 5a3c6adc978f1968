import Synchronization
import Testing
import VAEModel
@testable import VAEServing
import VAETestSupport

/// Submits `request` and waits for its one completion.
func answer(_ engine: ServingEngine, _ request: ServingRequest) async -> Result<ServingResult, ServingError> {
    let calls = Atomic(0)
    let result = await withCheckedContinuation { continuation in
        engine.submit(request) { result in
            if calls.add(1, ordering: .relaxed).newValue == 1 { continuation.resume(returning: result) }
        }
    }
    #expect(calls.load(ordering: .relaxed) == 1, "one completion per request")
    return result
}

@Suite("Serving engine: typed requests, one completion, lifetime")
struct ServingEngineTests {
    @Test func modelRequestsAnswerWithTypedResultsThatAgree() async throws {
        let model = try servedModel("m", kind: .vae)
        let engine = ServingEngine(models: [model], batching: BatchingConfiguration(window: .zero, threads: 2))
        let running = Task(executorPreference: QueueTaskExecutor()) { try await engine.run() }
        defer { running.cancel() }
        let image = (0..<model.pixelCount).map { Float($0 % 5) / 4 }

        guard case .success(.encoding(let encoding)) = await answer(engine, .encode(EncodeRequest(model: model, images: image, count: 1)))
        else { Issue.record("encode did not answer an encoding"); return }
        #expect(encoding.count == 1 && encoding.mu.count == model.zDim && encoding.z == encoding.mu)
        #expect(encoding.logvar?.count == model.zDim)

        let decode = DecodeRequest(model: model, codes: encoding.mu, count: 1, pixels: .floats)
        let denoise = DenoiseRequest(model: model, images: image, count: 1, pixels: .floats)
        guard case .success(.images(let decoded)) = await answer(engine, .decode(decode)),
              case .success(.images(let denoised)) = await answer(engine, .denoise(denoise))
        else { Issue.record("decode or denoise did not answer images"); return }
        #expect(Array(decoded.pixels.floats) == Array(denoised.pixels.floats), "denoise = decode(mu), one row each")

        // Bytes are the floats rounded to 0...255.
        let asBytes = DecodeRequest(model: model, codes: encoding.mu, count: 1, pixels: .bytes)
        guard case .success(.images(let bytes)) = await answer(engine, .decode(asBytes)) else {
            Issue.record("decode to bytes did not answer images"); return
        }
        // The C kernel rounds with a fused multiply-add on AVX2/AVX-512 copies: ±1 level at ties (protocol.md).
        let rounded = pixelAgreement(Array(bytes.pixels.bytes), decoded.pixels.floats.map { UInt8(($0 * 255).rounded()) })
        #expect(rounded.holds, "bytes are the floats rounded: \(rounded)")

        // A sample's codes are the seed's, from `start` on.
        let whole = SampleRequest(model: model, count: 3, seed: 7, pixels: .floats)
        let tail = SampleRequest(model: model, count: 1, seed: 7, start: 2, pixels: .floats)
        guard case .success(.images(let three)) = await answer(engine, .sample(whole)),
              case .success(.images(let last)) = await answer(engine, .sample(tail))
        else { Issue.record("sample did not answer images"); return }
        #expect(Array(three.codes.suffix(model.zDim)) == last.codes)
    }

    @Test func unknownModelsDrainingAndAMissingCatalogAreTypedErrors() async throws {
        let model = try servedModel("m", kind: .ae)
        let engine = ServingEngine(models: [model, try servedModel("n", kind: .vae, seed: 2)])
        #expect(throws: ServingError.modelNotFound("x", loaded: ["m", "n"])) { try engine.model(named: "x") }
        #expect(throws: ServingError.modelRequired(loaded: ["m", "n"])) { try engine.model(named: nil) }
        #expect(try engine.model(named: "m") === model)
        guard case .failure(.unavailable) = await answer(engine, .reload) else {
            Issue.record("reload without a catalog is unavailable"); return
        }
        engine.beginDraining()
        let sample = SampleRequest(model: model, count: 1, seed: 1, pixels: .bytes)
        #expect(await answer(engine, .sample(sample)).failure == .shuttingDown)
        guard case .success(.health(let draining)) = await answer(engine, .health) else {
            Issue.record("health answers while draining"); return
        }
        #expect(draining)
    }

    @Test func runStartsTheComputeThreadsAndFinishesQueuedWorkWhenItEnds() async throws {
        let model = try servedModel("m", kind: .vae)
        let engine = ServingEngine(models: [model], batching: BatchingConfiguration(window: .zero, threads: 1))
        // Queued before run(): nothing computes it yet.
        let done = Atomic(0)
        for _ in 0..<3 {
            engine.submit(.sample(SampleRequest(model: model, count: 2, seed: 1, pixels: .bytes))) { result in
                if case .success = result { done.add(1, ordering: .relaxed) }
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(done.load(ordering: .relaxed) == 0, "no compute thread before run()")
        let running = Task(executorPreference: QueueTaskExecutor()) { try await engine.run() }
        running.cancel()  // ends run(): the queued work is finished first
        try await running.value
        #expect(done.load(ordering: .relaxed) == 3)
        let after = await answer(engine, .sample(SampleRequest(model: model, count: 1, seed: 1, pixels: .bytes)))
        #expect(after.failure == .shuttingDown, "a stopped engine takes no model work")
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
