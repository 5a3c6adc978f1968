import Testing
import VAEFormat
import VAEModel
@testable import VAEServing
import VAETestSupport

@Suite("Serving engine: a model's normalisation")
struct NormalisationTests {
    let mean: [Double] = [12.5, 1013.25, 0.625, 3.5, 0.75]
    let std: [Double] = [7.5, 8.25, 0.125, 2.0, 1.5]

    /// The same weights (seed 4) served twice: with the normalisation, and without any.
    func models() throws -> (normalised: ServedModel, plain: ServedModel) {
        let normalisation = DataDescription.Normalisation(mean: mean, std: std)
        let table = DataDescription(kind: .table, likelihood: .gaussian, variance: 0.25, normalisation: normalisation)
        var bare = table
        bare.normalisation = nil
        let normalised = try ServedModel(name: "n", path: writeTinyModelFile("n", kind: .vae, seed: 4, data: table))
        let plain = try ServedModel(name: "p", path: writeTinyModelFile("p", kind: .vae, seed: 4, data: bare))
        return (normalised, plain)
    }

    @Test("encode standardises the input, decode de-standardises the output, denoise does both")
    func standardisedInDestandardisedOut() async throws {
        let (normalised, plain) = try models()
        #expect(normalised.data.kind == .table && normalised.data.normalisation?.std == std.map { Float($0) })
        #expect(plain.data.normalisation == nil && normalised.pixelCount == 5)
        let engine = ServingEngine(models: [normalised, plain], batching: BatchingConfiguration(window: .zero, threads: 1))
        let running = Task(executorPreference: QueueTaskExecutor()) { try await engine.run() }
        defer { running.cancel() }

        let x: [Float] = [20, 1000, 0.5, 7, -1, 5, 1020, 0.75, 0, 3]
        let standardised = x.indices.map { (x[$0] - Float(mean[$0 % 5])) / Float(std[$0 % 5]) }
        guard case .success(.encoding(let raw)) = await answer(engine, .encode(EncodeRequest(model: normalised, images: x, count: 2))),
              case .success(.encoding(let reference)) = await answer(
                  engine, .encode(EncodeRequest(model: plain, images: standardised, count: 2)))
        else { Issue.record("encode did not answer encodings"); return }
        #expect(raw.mu == reference.mu, "encode(x) is the network's encode of (x − mean) / std")
        #expect(raw.mu != (await plainEncoding(engine, plain, x)), "and not the encode of x itself")

        let z: [Float] = [0.5, -1, 2, 0.25]
        guard case .success(.images(let decoded)) = await answer(
                  engine, .decode(DecodeRequest(model: normalised, codes: z, count: 2, pixels: .floats))),
              case .success(.images(let output)) = await answer(
                  engine, .decode(DecodeRequest(model: plain, codes: z, count: 2, pixels: .floats)))
        else { Issue.record("decode did not answer rows"); return }
        let expected = output.pixels.floats.indices.map { Float(mean[$0 % 5]) + Float(std[$0 % 5]) * output.pixels.floats[$0] }
        #expect(Array(decoded.pixels.floats) == expected, "decode is mean + std · output, not clipped")
        #expect(expected.contains { $0 > 1 }, "values in the data's own units")

        guard case .success(.images(let denoised)) = await answer(
                  engine, .denoise(DenoiseRequest(model: normalised, images: x, count: 2, pixels: .floats))),
              case .success(.images(let again)) = await answer(
                  engine, .decode(DecodeRequest(model: normalised, codes: raw.mu, count: 2, pixels: .floats)))
        else { Issue.record("denoise did not answer rows"); return }
        #expect(Array(denoised.pixels.floats) == Array(again.pixels.floats), "denoise = decode(mu(x)), both applied once")
    }

    func plainEncoding(_ engine: ServingEngine, _ plain: ServedModel, _ x: [Float]) async -> [Float] {
        guard case .success(.encoding(let encoding)) = await answer(engine, .encode(EncodeRequest(model: plain, images: x, count: 2)))
        else { return [] }
        return encoding.mu
    }
}
