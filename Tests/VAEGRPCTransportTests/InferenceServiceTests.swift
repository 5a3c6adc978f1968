import Foundation
import GRPCCore
import GRPCInProcessTransport
import Testing
import VAEGRPCProto
@testable import VAEGRPCTransport
import VAEModel
import VAEOpenInference
import VAEServing
import VAETestSupport
import VAETransportSupport

typealias InferenceClient = Inference_GRPCInferenceService.Client<InProcessTransport.Client>

/// A started engine over `models` (default: a tiny VAE named `vae`, 4×3 images, z 2), served by
/// ``InferenceService`` on grpc-swift's in-process transport (with the interceptors the real server uses), and a
/// client of it.
func withService(serving models: [ServedModel]? = nil, token: BearerToken? = nil,
                 _ body: (InferenceClient, ServingEngine) async throws -> Void) async throws {
    let served = try models ?? [ServedModel(name: "vae", path: writeTinyModelFile("vae", kind: .vae))]
    let engine = ServingEngine(models: served, limits: ServingLimits(maxBatch: 8),
                               batching: BatchingConfiguration(window: .zero, threads: 2))
    let running = Task(executorPreference: QueueTaskExecutor()) { try await engine.run() }
    defer { running.cancel() }
    let service = InferenceService(engine: engine)
    let transport = InProcessTransport()
    try await withGRPCServer(transport: transport.server, services: [service],
                             interceptorPipeline: service.interceptors(token: token)) { _ in
        try await withGRPCClient(transport: transport.client) { client in
            try await body(InferenceClient(wrapping: client), engine)
        }
    }
}

/// An infer request for `model` with `inputs`, each (name, datatype, shape, contents).
func inferRequest(_ model: String, _ inputs: [(String, String, [Int64])], raw: [Data] = [],
                  contents: [Inference_InferTensorContents?] = [], outputs: [String] = [],
                  parameters: [String: Inference_InferParameter] = [:]) -> Inference_ModelInferRequest {
    var request = Inference_ModelInferRequest()
    request.modelName = model
    request.id = "r1"
    request.parameters = parameters
    request.inputs = inputs.enumerated().map { i, input in
        var tensor = Inference_ModelInferRequest.InferInputTensor()
        (tensor.name, tensor.datatype, tensor.shape) = input
        if i < contents.count, let given = contents[i] { tensor.contents = given }
        return tensor
    }
    request.rawInputContents = raw
    request.outputs = outputs.map { name in
        var output = Inference_ModelInferRequest.InferRequestedOutputTensor()
        output.name = name
        return output
    }
    return request
}

extension Inference_ModelInferResponse {
    /// The raw contents of output `name` as floats.
    func floats(_ name: String) -> [Float]? {
        guard let i = outputs.firstIndex(where: { $0.name == name }), i < rawOutputContents.count else { return nil }
        return rawOutputContents[i].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
}

extension Inference_InferParameter {
    static func uint(_ value: UInt64) -> Self {
        var parameter = Self()
        parameter.uint64Param = value
        return parameter
    }

    static func int(_ value: Int64) -> Self {
        var parameter = Self()
        parameter.int64Param = value
        return parameter
    }
}

/// The RPC error `call` throws, or nil when it succeeds.
func rpcError(_ call: () async throws -> Void) async -> RPCError? {
    do {
        try await call()
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        Issue.record("not an RPCError: \(error)")
        return nil
    }
}

let twoImages: [UInt8] = (0..<24).map { UInt8(($0 * 29) % 256) }

@Suite("V2 gRPC: Triton's GRPCInferenceService over the engine")
struct InferenceServiceTests {
    @Test func healthMetadataAndConfigurationAnswerWhatTritonClientsRead() async throws {
        try await withService { client, engine in
            #expect(try await client.serverLive(Inference_ServerLiveRequest()).live)
            #expect(try await client.serverReady(Inference_ServerReadyRequest()).ready)
            let server = try await client.serverMetadata(Inference_ServerMetadataRequest())
            #expect(server.name == "vaed" && server.version == engine.version)
            #expect(server.extensions == ["binary_tensor_data", "model_configuration"])

            var metadataRequest = Inference_ModelMetadataRequest()
            metadataRequest.name = "vae.encode"
            let metadata = try await client.modelMetadata(metadataRequest)
            let version = metadata.versions.first ?? ""
            #expect(metadata.name == "vae.encode" && metadata.platform == "vaed" && version.count == 12)
            #expect(metadata.inputs.map { [$0.name, $0.datatype] } == [["images", "UINT8"]])
            #expect(metadata.inputs.first?.shape == [-1, 4, 3])
            #expect(metadata.outputs.map(\.name) == ["mu", "logvar", "z"])
            #expect(metadata.outputs.first?.shape == [-1, 2] && metadata.outputs.first?.datatype == "FP32")

            var ready = Inference_ModelReadyRequest()
            ready.name = "vae.decode"
            ready.version = version
            #expect(try await client.modelReady(ready).ready)
            ready.version = "000000000000"
            #expect(await rpcError { _ = try await client.modelReady(ready) }?.code == .notFound)
            ready.name = "cats.decode"
            ready.version = ""
            #expect(await rpcError { _ = try await client.modelReady(ready) }?.code == .notFound)

            var configRequest = Inference_ModelConfigRequest()
            configRequest.name = "vae.denoise"
            let config = try await client.modelConfig(configRequest).config
            #expect(config.name == "vae.denoise" && config.platform == "vaed" && config.backend == "vaed")
            #expect(config.maxBatchSize == 8)
            #expect(config.input.map(\.dataType) == [.typeUint8] && config.input.first?.dims == [4, 3], "no batch dimension")
            #expect(config.output.map(\.name) == ["images", "images_fp32"])
            #expect(config.output.map(\.dataType) == [.typeUint8, .typeFp32])
            #expect(config.dynamicBatching.maxQueueDelayMicroseconds == 0)
            #expect(config.instanceGroup.map(\.kind) == [.cpu] && config.instanceGroup.first?.count == 2)
            #expect(config.parameters["version"]?.stringValue == version)
            configRequest.name = "vae.sample"
            let sample = try await client.modelConfig(configRequest).config
            #expect(sample.maxBatchSize == 0 && sample.schedulingChoice == nil)
            #expect(sample.input.allSatisfy { $0.optional && $0.dims == [1] })

            // Readiness turns false when shutdown begins; liveness does not.
            engine.markNotReady()
            #expect(try await !client.serverReady(Inference_ServerReadyRequest()).ready)
            ready.name = "vae.decode"
            #expect(try await !client.modelReady(ready).ready)
            #expect(try await client.serverLive(Inference_ServerLiveRequest()).live)
        }
    }

    @Test func encodeTakesRawAndTypedContentsAlike() async throws {
        try await withService { client, _ in
            let images = ("images", "UINT8", [Int64]([2, 4, 3]))
            let raw = try await client.modelInfer(inferRequest("vae.encode", [images], raw: [Data(twoImages)]))
            #expect(raw.modelName == "vae.encode" && raw.modelVersion.count == 12 && raw.id == "r1")
            #expect(raw.outputs.map(\.name) == ["mu", "logvar", "z"])
            #expect(raw.outputs.map(\.datatype) == ["FP32", "FP32", "FP32"] && raw.outputs.first?.shape == [2, 2])
            #expect(raw.rawOutputContents.map(\.count) == [16, 16, 16], "one raw entry per output, in order")
            #expect(raw.floats("z") == raw.floats("mu"), "z is mu unless a draw is asked for")

            var typed = Inference_InferTensorContents()
            typed.uintContents = twoImages.map { UInt32($0) }
            let viaTyped = try await client.modelInfer(inferRequest("vae.encode", [images], contents: [typed]))
            // Separate requests: the same input gives the same codes to the batching tolerance.
            let typedMu = agreement(viaTyped.floats("mu") ?? [], raw.floats("mu") ?? [], within: Tolerance.batching)
            let typedLogvar = agreement(viaTyped.floats("logvar") ?? [], raw.floats("logvar") ?? [],
                                        within: Tolerance.batching)
            #expect(typedMu.holds && typedLogvar.holds, "\(typedMu); \(typedLogvar)")

            var unit = Inference_InferTensorContents()
            unit.fp32Contents = twoImages.map { Float($0) / 255 }
            let viaFloats = try await client.modelInfer(
                inferRequest("vae.encode", [("images", "FP32", [2, 4, 3])], contents: [unit], outputs: ["mu"]))
            #expect(viaFloats.outputs.map(\.name) == ["mu"] && viaFloats.rawOutputContents.count == 1)
            let close = zip(viaFloats.floats("mu") ?? [], raw.floats("mu") ?? []).allSatisfy { abs($0 - $1) < 1e-5 }
            #expect(close && viaFloats.floats("mu")?.count == 4)

            // A draw around mu, from the seed given, answered as a response parameter.
            let drawn = try await client.modelInfer(
                inferRequest("vae.encode", [images], raw: [Data(twoImages)], outputs: ["z"],
                             parameters: ["sample": { var p = Inference_InferParameter(); p.boolParam = true; return p }(),
                                          "seed": .uint(5), "triton_enable_empty_final_response": .int(1)]))
            #expect(drawn.parameters["seed"]?.uint64Param == 5)
            #expect(drawn.floats("z") != raw.floats("z"))
        }
    }

    @Test func decodeAndDenoiseAnswerImagesInBothForms() async throws {
        try await withService { client, _ in
            let codes: [Float] = [0.5, -1, 2, 0.25]
            var z = Inference_InferTensorContents()
            z.fp32Contents = codes
            let decoded = try await client.modelInfer(inferRequest("vae.decode", [("z", "FP32", [2, 2])], contents: [z]))
            #expect(decoded.outputs.map(\.name) == ["images", "images_fp32"])
            #expect(decoded.outputs.map(\.datatype) == ["UINT8", "FP32"] && decoded.outputs.first?.shape == [2, 4, 3])
            #expect(decoded.rawOutputContents.map(\.count) == [24, 96])
            let unit = decoded.floats("images_fp32") ?? []
            // The kernel's rounding may fuse the multiply-add: ±1 level (protocol.md).
            let rounded = pixelAgreement(Array(decoded.rawOutputContents[0]), unit.map { UInt8(($0 * 255).rounded()) })
            #expect(rounded.holds, "the UINT8 images are the FP32 ones rounded: \(rounded)")

            let raw = codes.withUnsafeBytes { Data($0) }
            let viaRaw = try await client.modelInfer(inferRequest("vae.decode", [("z", "FP32", [2, 2])], raw: [raw],
                                                                  outputs: ["images_fp32"]))
            let rawImages = agreement(viaRaw.floats("images_fp32") ?? [], unit, within: Tolerance.batching)
            #expect(rawImages.holds && !unit.isEmpty, "\(rawImages)")

            let denoised = try await client.modelInfer(
                inferRequest("vae.denoise", [("images", "UINT8", [2, 4, 3])], raw: [Data(twoImages)]))
            #expect(denoised.rawOutputContents.map(\.count) == [24, 96])
        }
    }

    @Test func sampleCodesAreTheSameBitsByParameterOrTensor() async throws {
        try await withService { client, _ in
            let byParameters = try await client.modelInfer(
                inferRequest("vae.sample", [], outputs: ["z", "images_fp32"], parameters: ["count": .int(3), "seed": .uint(11)]))
            #expect(byParameters.parameters["seed"]?.uint64Param == 11)
            #expect(byParameters.outputs.first?.shape == [3, 2] && byParameters.outputs.last?.shape == [3, 4, 3])
            let codes = byParameters.floats("z") ?? []
            #expect(codes.count == 6)

            var seed = Inference_InferTensorContents(), count = Inference_InferTensorContents()
            seed.uint64Contents = [11]
            count.intContents = [3]
            let byTensors = try await client.modelInfer(
                inferRequest("vae.sample", [("seed", "UINT64", [1]), ("count", "INT32", [1])], contents: [seed, count],
                             outputs: ["z"]))
            #expect(byTensors.floats("z")?.map(\.bitPattern) == codes.map(\.bitPattern))

            // As raw tensors, from `start` on: the tail of the same draws.
            let raw = [withUnsafeBytes(of: UInt64(11).littleEndian) { Data($0) },
                       withUnsafeBytes(of: Int64(1).littleEndian) { Data($0) },
                       withUnsafeBytes(of: Int64(2).littleEndian) { Data($0) }]
            let tail = try await client.modelInfer(
                inferRequest("vae.sample", [("seed", "UINT64", [1]), ("start", "INT64", [1]), ("count", "INT64", [1])],
                             raw: raw, outputs: ["z"]))
            #expect(tail.floats("z")?.map(\.bitPattern) == codes.dropFirst(2).map(\.bitPattern))

            // Decoding the sampled codes gives the sampled images.
            var z = Inference_InferTensorContents()
            z.fp32Contents = codes
            let decoded = try await client.modelInfer(inferRequest("vae.decode", [("z", "FP32", [3, 2])], contents: [z],
                                                                   outputs: ["images_fp32"]))
            let again = agreement(decoded.floats("images_fp32") ?? [], byParameters.floats("images_fp32") ?? [],
                                  within: Tolerance.batching)
            #expect(again.holds && !(decoded.floats("images_fp32") ?? []).isEmpty, "\(again)")
        }
    }

    @Test func refusalsCarryTheirStatusCodeAndMessage() async throws {
        try await withService { client, engine in
            let images = ("images", "UINT8", [Int64]([2, 4, 3]))
            func refusal(_ request: Inference_ModelInferRequest) async -> RPCError? {
                await rpcError { _ = try await client.modelInfer(request) }
            }
            let missing = await refusal(inferRequest("cats.encode", [images], raw: [Data(twoImages)]))
            #expect(missing?.code == .notFound && missing?.message.contains("cats.encode") == true)
            var versioned = inferRequest("vae.encode", [images], raw: [Data(twoImages)])
            versioned.modelVersion = "000000000000"
            #expect(await refusal(versioned)?.code == .notFound)

            let shape = await refusal(inferRequest("vae.encode", [("images", "UINT8", [2, 3, 4])], raw: [Data(twoImages)]))
            #expect(shape?.code == .invalidArgument && shape?.message.contains("[-1, 4, 3]") == true)
            let datatype = await refusal(inferRequest("vae.encode", [("images", "FP64", [2, 4, 3])], raw: [Data(count: 192)]))
            #expect(datatype?.code == .invalidArgument && datatype?.message.contains("UINT8 or FP32") == true)
            let pairing = await refusal(inferRequest("vae.encode", [images], raw: [Data(twoImages), Data(twoImages)]))
            #expect(pairing?.code == .invalidArgument && pairing?.message.contains("raw_input_contents has 2 entries") == true)
            let short = await refusal(inferRequest("vae.encode", [images], raw: [Data(twoImages.prefix(20))]))
            #expect(short?.code == .invalidArgument && short?.message.contains("needs 24") == true)
            var typed = Inference_InferTensorContents()
            typed.uintContents = [300] + Array(repeating: 0, count: 23)
            let range = await refusal(inferRequest("vae.encode", [images], contents: [typed]))
            #expect(range?.code == .invalidArgument && range?.message.contains("0...255") == true)
            let rows = await refusal(inferRequest("vae.encode", [("images", "UINT8", [9, 4, 3])], raw: [Data(count: 108)]))
            #expect(rows?.code == .invalidArgument && rows?.message.contains("max_batch_size") == true)
            let output = await refusal(inferRequest("vae.encode", [images], raw: [Data(twoImages)], outputs: ["pixels"]))
            #expect(output?.code == .invalidArgument && output?.message.contains("no output 'pixels'") == true)
            let both = await refusal(inferRequest("vae.sample", [("seed", "UINT64", [1])], contents: [{
                var c = Inference_InferTensorContents(); c.uint64Contents = [1]; return c }()], parameters: ["seed": .uint(1)]))
            #expect(both?.code == .invalidArgument)

            // Draining: model requests are answered UNAVAILABLE.
            engine.beginDraining()
            let draining = await refusal(inferRequest("vae.encode", [images], raw: [Data(twoImages)]))
            #expect(draining?.code == .unavailable && draining?.message.contains("shutting down") == true)

            let snapshot = engine.statisticsSnapshot()
            #expect(snapshot.errors["invalid_params"] ?? 0 >= 2 && snapshot.errors["model_not_found"] == 2)
            #expect(snapshot.errors["shutting_down"] == 1 && snapshot.requests["encode"] ?? 0 >= 10)
        }
    }

    @Test func otherRPCsAreUnimplemented() async throws {
        try await withService { client, engine in
            let statistics = await rpcError { _ = try await client.modelStatistics(Inference_ModelStatisticsRequest()) }
            #expect(statistics?.code == .unimplemented && statistics?.message == "vaed does not implement ModelStatistics; see Formats/open-inference.md §5.")
            #expect(await rpcError { _ = try await client.repositoryIndex(Inference_RepositoryIndexRequest()) }?.code == .unimplemented)
            #expect(await rpcError { _ = try await client.repositoryModelLoad(Inference_RepositoryModelLoadRequest()) }?.code == .unimplemented)
            #expect(await rpcError { _ = try await client.logSettings(Inference_LogSettingsRequest()) }?.code == .unimplemented)
            #expect(await rpcError { _ = try await client.cudaSharedMemoryStatus(Inference_CudaSharedMemoryStatusRequest()) }?.code == .unimplemented)
            let stream = await rpcError {
                try await client.modelStreamInfer(request: StreamingClientRequest { writer in
                    try await writer.write(inferRequest("vae.encode", []))
                }) { response in
                    for try await _ in response.messages {}
                }
            }
            #expect(stream?.code == .unimplemented && stream?.message.contains("ModelStreamInfer") == true)
            #expect(engine.statisticsSnapshot().errors["not_found"] == 6)
        }
    }

    @Test func aTokenGuardsEverythingButTheHealthProbes() async throws {
        try await withService(token: BearerToken("a-long-enough-test-token")) { client, engine in
            let live = try await client.serverLive(Inference_ServerLiveRequest())
            let ready = try await client.serverReady(Inference_ServerReadyRequest())
            #expect(live.live && ready.ready)
            let refused = await rpcError { _ = try await client.serverMetadata(Inference_ServerMetadataRequest()) }
            #expect(refused?.code == .unauthenticated && refused?.message.contains("authorization") == true)
            let wrong = await rpcError {
                _ = try await client.serverMetadata(Inference_ServerMetadataRequest(), metadata: ["authorization": "Bearer wrong"])
            }
            #expect(wrong?.code == .unauthenticated)
            let good: Metadata = ["authorization": "Bearer a-long-enough-test-token"]
            let server = try await client.serverMetadata(Inference_ServerMetadataRequest(), metadata: good)
            #expect(server.name == "vaed")
            let images = ("images", "UINT8", [Int64]([2, 4, 3]))
            let request = inferRequest("vae.encode", [images], raw: [Data(twoImages)])
            #expect(await rpcError { _ = try await client.modelInfer(request) }?.code == .unauthenticated)
            let answer = try await client.modelInfer(request, metadata: good)
            #expect(answer.rawOutputContents.count == 3)
            // Even an unimplemented RPC asks for the token first.
            #expect(await rpcError { _ = try await client.modelStatistics(Inference_ModelStatisticsRequest()) }?.code == .unauthenticated)
            #expect(engine.statisticsSnapshot().errors["unauthorized"] == 4)
        }
    }

    @Test func requestsAreCountedAsRESTCountsThem() async throws {
        try await withService { client, engine in
            _ = try await client.serverLive(Inference_ServerLiveRequest())
            var metadata = Inference_ModelMetadataRequest()
            metadata.name = "vae.decode"
            _ = try await client.modelMetadata(metadata)
            _ = try await client.modelInfer(inferRequest("vae.encode", [("images", "UINT8", [2, 4, 3])], raw: [Data(twoImages)]))
            let snapshot = engine.statisticsSnapshot()
            #expect(snapshot.requests["health"] == 1 && snapshot.requests["models"] == 1 && snapshot.requests["encode"] == 1)
            #expect(snapshot.modelRequests["vae"] == 2 && snapshot.inFlight == 0)
            #expect(snapshot.requestRows[1] == 1, "the encode carried 2 rows")
        }
    }
}
