import Testing
import VAEModel
import VAEOpenInference
import VAEServing
import VAETestSupport

/// A started engine over tiny random-weight models (4×3 images, z 2): `vae` a VAE, `ae` an AE.
func withEngine(maxBatch: Int = 8, _ body: (ServingEngine) async throws -> Void) async throws {
    let vae = try ServedModel(name: "vae", path: writeTinyModelFile("vae", kind: .vae))
    let ae = try ServedModel(name: "ae", path: writeTinyModelFile("ae", kind: .ae, seed: 3))
    let engine = ServingEngine(models: [vae, ae], limits: ServingLimits(maxBatch: maxBatch),
                               batching: BatchingConfiguration(window: .zero, threads: 2))
    let running = Task(executorPreference: QueueTaskExecutor()) { try await engine.run() }
    defer { running.cancel() }
    try await body(engine)
}

/// Prepares, submits and answers one V2 request.
func infer(_ engine: ServingEngine, _ name: String, _ request: InferenceRequest) async throws -> InferenceResponse {
    let prepared = try InferenceModels(engine: engine).model(named: name).prepare(request)
    let result = await withCheckedContinuation { continuation in
        engine.submit(prepared.request) { continuation.resume(returning: $0) }
    }
    return prepared.response(for: try result.get())
}

func refusal(_ engine: ServingEngine, _ name: String, _ request: InferenceRequest) -> InferenceError? {
    do {
        _ = try InferenceModels(engine: engine).model(named: name).prepare(request)
        return nil
    } catch {
        return error
    }
}

func floats(_ tensor: OutputTensor?) -> [Float] {
    guard case .floats(let values)? = tensor?.values else { return [] }
    return values
}

func bytes(_ tensor: OutputTensor?) -> [UInt8] {
    guard case .bytes(let values)? = tensor?.values else { return [] }
    return values
}

extension InferenceResponse {
    subscript(_ name: String) -> OutputTensor? { outputs.first { $0.name == name } }
}

let pixels: [UInt8] = (0..<24).map { UInt8(($0 * 37) % 256) }  // two 4×3 images

@Suite("Open Inference Protocol: V2 models, tensors and requests checked into engine requests")
struct PreparedInferenceTests {
    @Test func eachServedModelIsFourV2ModelsWithTheirTensors() async throws {
        try await withEngine { engine in
            let models = InferenceModels(engine: engine).all
            #expect(models.map(\.name) == ["ae.encode", "ae.decode", "ae.denoise", "ae.sample",
                                           "vae.encode", "vae.decode", "vae.denoise", "vae.sample"])
            let encode = try InferenceModels(engine: engine).model(named: "vae.encode")
            #expect(encode.inputs == [TensorSpec(name: "images", datatype: .uint8, shape: [-1, 4, 3], alsoAccepted: [.fp32])])
            #expect(encode.outputs.map(\.name) == ["mu", "logvar", "z"])
            #expect(try InferenceModels(engine: engine).model(named: "ae.encode").outputs.map(\.name) == ["mu", "z"],
                    "an AE has no logvar")
            #expect(encode.version.count == 12 && encode.served.fileSHA256.hasPrefix(encode.version))
            #expect(try InferenceModels(engine: engine).model(named: "vae.encode", version: encode.version).name == "vae.encode")
        }
    }

    @Test func uint8AndFP32ImagesGiveTheSameCodes() async throws {
        try await withEngine { engine in
            let raw = InferenceRequest(inputs: [InputTensor(name: "images", datatype: "UINT8", shape: [2, 4, 3], values: .raw(pixels))])
            let json = InferenceRequest(inputs: [InputTensor(name: "images", datatype: "UINT8", shape: [2, 4, 3],
                                                             values: .unsigned(pixels.map(UInt64.init)))])
            let unit = InferenceRequest(inputs: [InputTensor(name: "images", datatype: "FP32", shape: [2, 4, 3],
                                                             values: .floats(pixels.map { Float($0) / 255 }))])
            let a = try await infer(engine, "vae.encode", raw)
            let b = try await infer(engine, "vae.encode", json)
            let c = try await infer(engine, "vae.encode", unit)
            #expect(a["mu"]?.shape == [2, 2] && a["logvar"]?.shape == [2, 2] && a["z"]?.datatype == .fp32)
            // The same input either way; computed as separate requests, so held to the batching tolerance.
            let same = agreement(floats(a["mu"]), floats(b["mu"]), within: Tolerance.batching)
            #expect(same.holds, "the same bytes either way: \(same)")
            let agreement = zip(floats(a["mu"]), floats(c["mu"])).map { abs($0 - $1) }.max() ?? 1
            #expect(agreement < 1e-5, "UINT8 b and FP32 b/255 are the same input to float rounding")
            #expect(floats(a["z"]) == floats(a["mu"]), "z is mu unless sampled")
        }
    }

    @Test func decodeDenoiseAndSampleAnswerBothImageForms() async throws {
        try await withEngine { engine in
            let codes: [Float] = [0.5, -1, 2, 0.25]
            let decoded = try await infer(engine, "vae.decode", InferenceRequest(
                inputs: [InputTensor(name: "z", datatype: "FP32", shape: [2, 2], values: .floats(codes))]))
            #expect(decoded.outputs.map(\.name) == ["images", "images_fp32"], "every output when none is named")
            #expect(decoded["images"]?.shape == [2, 4, 3] && decoded["images"]?.datatype == .uint8)
            let rounded = pixelAgreement(bytes(decoded["images"]), floats(decoded["images_fp32"]).map { UInt8(($0 * 255).rounded()) })
            #expect(rounded.holds, "the UINT8 images are the FP32 ones rounded: \(rounded)")

            let onlyBytes = try await infer(engine, "vae.decode", InferenceRequest(
                inputs: [InputTensor(name: "z", datatype: "FP32", shape: [2, 2], values: .floats(codes))],
                outputs: [RequestedOutput(name: "images", binary: true)]))
            #expect(onlyBytes.outputs.map(\.name) == ["images"] && onlyBytes["images"]?.binary == true)
            #expect(pixelAgreement(bytes(onlyBytes["images"]), bytes(decoded["images"])).holds)

            // sample: the seed's codes from `start` on, given as parameters or as tensors alike.
            let byParameters = try await infer(engine, "vae.sample", InferenceRequest(
                parameters: ["count": .int(3), "seed": .uint(7)], inputs: []))
            let byTensors = try await infer(engine, "vae.sample", InferenceRequest(inputs: [
                InputTensor(name: "count", datatype: "INT32", shape: [1], values: .raw([1, 0, 0, 0])),
                InputTensor(name: "seed", datatype: "UINT64", shape: [1], values: .unsigned([7])),
                InputTensor(name: "start", datatype: "INT64", shape: [1], values: .signed([2])),
            ]))
            #expect(byParameters["z"]?.shape == [3, 2] && byParameters.parameters.first?.value == .uint(7))
            #expect(Array(floats(byParameters["z"]).suffix(2)) == floats(byTensors["z"]), "code 2 of seed 7 either way")
            // The images are decoded in batches of 3 and of 1: equal to float rounding, not bit for bit.
            let images = agreement(floats(byParameters["images_fp32"]).suffix(12), floats(byTensors["images_fp32"]),
                                   within: Tolerance.batching)
            #expect(images.holds, "image 2 of seed 7 either way: \(images)")
        }
    }

    @Test func everyRefusalNamesWhatIsWrong() async throws {
        try await withEngine(maxBatch: 2) { engine in
            func images(_ datatype: String = "UINT8", _ shape: [Int] = [2, 4, 3], _ values: TensorValues = .raw(pixels))
                -> InferenceRequest
            {
                InferenceRequest(inputs: [InputTensor(name: "images", datatype: datatype, shape: shape, values: values)])
            }
            let cases: [(String, InferenceRequest, InferenceError.Kind, String)] = [
                ("vae.encode", InferenceRequest(inputs: []), .invalidParams, "needs input 'images'"),
                ("vae.encode", InferenceRequest(inputs: [InputTensor(name: "pixels", datatype: "UINT8", shape: [1], values: .raw([0]))]),
                 .invalidParams, "no input 'pixels'"),
                ("vae.encode", images("FP64", [2, 4, 3], .doubles(Array(repeating: 0, count: 24))), .invalidParams, "takes UINT8 or FP32"),
                ("vae.encode", images("UINT8", [2, 3, 4]), .shapeMismatch, "takes [-1, 4, 3]"),
                ("vae.encode", images("UINT8", [2, 4, 3], .raw(Array(pixels.dropLast()))), .invalidRequest, "23 bytes"),
                ("vae.encode", images("UINT8", [3, 4, 3], .raw(pixels + pixels.prefix(12))), .tooLarge, "max_batch_size is 2"),
                ("vae.encode", images("UINT8", [2, 4, 3], .unsigned(Array(repeating: 256, count: 24))), .invalidValue, "0...255"),
                ("vae.encode", images("FP32", [2, 4, 3], .floats(Array(repeating: 1.5, count: 24))), .invalidValue, "[0, 1]"),
                ("vae.encode", images("UINT8", [0, 4, 3], .raw([])), .invalidValue, "no rows"),
                ("vae.decode", InferenceRequest(inputs: [InputTensor(name: "z", datatype: "FP32", shape: [1, 2], values: .floats([.nan, 0]))]),
                 .invalidValue, "finite"),
                ("vae.sample", InferenceRequest(parameters: ["count": .int(3)], inputs: []), .tooLarge, "at most 2"),
                ("vae.sample", InferenceRequest(parameters: ["seed": .uint(1)], inputs: [
                    InputTensor(name: "seed", datatype: "UINT64", shape: [1], values: .unsigned([1]))]), .invalidParams, "both"),
                ("vae.sample", InferenceRequest(parameters: ["temperature": .double(0)], inputs: []), .invalidValue, "temperature"),
                // Above 0 as a Double, 0 as the Float the engine samples in (a fuzzer found it trapping the daemon).
                ("vae.sample", InferenceRequest(parameters: ["temperature": .double(1e-300)], inputs: []), .invalidValue,
                 "32-bit"),
                ("vae.decode", InferenceRequest(inputs: [InputTensor(name: "z", datatype: "FP32", shape: [1, 2], values: .floats([0, 0]))],
                                                outputs: [RequestedOutput(name: "mu")]), .invalidParams, "no output 'mu'"),
            ]
            for (model, request, kind, words) in cases {
                let error = refusal(engine, model, request)
                #expect(error?.kind == kind && error?.message.contains(words) == true,
                        "\(model) \(request.inputs.map(\.name)): \(String(describing: error))")
            }
            #expect(throws: InferenceError.self) { try InferenceModels(engine: engine).model(named: "nope.encode") }
            #expect(throws: InferenceError.self) { try InferenceModels(engine: engine).model(named: "vae") }
            #expect(throws: InferenceError.self) { try InferenceModels(engine: engine).model(named: "vae.encode", version: "0") }
        }
    }

    @Test func httpStatusesFollowTheKind() {
        #expect(InferenceError(.shapeMismatch, "").httpStatus == 400)
        #expect(InferenceError(.modelNotFound, "").httpStatus == 404)
        #expect(InferenceError(.overloaded, "").httpStatus == 503)
        #expect(InferenceError(.shuttingDown, "").httpStatus == 503)
        #expect(InferenceError(ServingError.overloaded(retryAfterMilliseconds: 1500)).retryAfterMilliseconds == 1500)
    }
}
