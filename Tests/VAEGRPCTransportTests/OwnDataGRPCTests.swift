import Foundation
import GRPCCore
import Testing
import VAEFormat
import VAEGRPCProto
import VAEModel
import VAEServing
import VAETestSupport

/// The engine's own answer to `request`, submitted directly: the reference a transport's answer is held to.
func engineAnswer(_ engine: ServingEngine, _ request: ServingRequest) async -> ServingResult? {
    let result = await withCheckedContinuation { continuation in
        engine.submit(request) { continuation.resume(returning: $0) }
    }
    guard case .success(let value) = result else {
        Issue.record("the engine refused the reference request: \(result)")
        return nil
    }
    return value
}

/// Each row of `values` (`width` values a row) through `make`, one request per row: batches of one, so the
/// comparison with a transport's batch of several is within float rounding (Tolerance.batching), never bit for bit.
func rowByRow(_ engine: ServingEngine, _ values: [Float], width: Int, _ make: ([Float]) -> ServingRequest) async
    -> (mu: [Float], output: [Float])
{
    var mu: [Float] = []
    var output: [Float] = []
    for start in stride(from: 0, to: values.count, by: width) {
        switch await engineAnswer(engine, make(Array(values[start..<(start + width)]))) {
        case .encoding(let encoding): mu += encoding.mu
        case .images(let images): output += Array(images.pixels.floats)
        default: Issue.record("not an encoding or images")
        }
    }
    return (mu, output)
}

func metadata(_ client: InferenceClient, _ name: String) async throws -> Inference_ModelMetadataResponse {
    var request = Inference_ModelMetadataRequest()
    request.name = name
    return try await client.modelMetadata(request)
}

func config(_ client: InferenceClient, _ name: String) async throws -> Inference_ModelConfigResponse {
    var request = Inference_ModelConfigRequest()
    request.name = name
    return try await client.modelConfig(request)
}

func fp32(_ values: [Float]) -> Inference_InferTensorContents {
    var contents = Inference_InferTensorContents()
    contents.fp32Contents = values
    return contents
}

@Suite("V2 gRPC: RGB and table models")
struct OwnDataGRPCTests {
    /// 4×3 RGB images, z 2.
    static func rgb() throws -> ServedModel {
        try ServedModel(name: "rgb", path: writeTinyModelFile("rgb", kind: .vae, channels: 3))
    }

    static let mean: [Double] = [10, 1000, 0, -5]
    static let std: [Double] = [2, 10, 1, 0.5]

    /// Rows of 4 numbers standardised by `mean` and `std`, z 2.
    static func table() throws -> ServedModel {
        let data = DataDescription(
            kind: .table, likelihood: .gaussian, variance: 0.25, normalisation: .init(mean: mean, std: std),
            features: ["a", "b", "c", "d"])
        return try ServedModel(name: "t", path: writeTinyModelFile("t", kind: .vae, data: data))
    }

    /// Two RGB images, interleaved: 2 × 4 × 3 × 3 bytes.
    static let twoRGBImages: [UInt8] = (0..<72).map { UInt8(($0 * 29) % 256) }

    @Test("metadata and configuration: RGB images are [-1, 4, 3, 3], a table's rows FP32 [-1, 4]")
    func shapes() async throws {
        try await withService(serving: [try Self.rgb(), try Self.table()]) { client, _ in
            let encode = try await metadata(client, "rgb.encode")
            #expect(encode.inputs.map { [$0.name, $0.datatype] } == [["images", "UINT8"]])
            #expect(encode.inputs.first?.shape == [-1, 4, 3, 3])
            let decode = try await metadata(client, "rgb.decode")
            #expect(decode.outputs.map(\.name) == ["images", "images_fp32"])
            #expect(decode.outputs.allSatisfy { $0.shape == [-1, 4, 3, 3] })
            #expect(
                try await config(client, "rgb.denoise").config.input.first?.dims == [4, 3, 3], "no batch dimension")

            let rows = try await metadata(client, "t.encode")
            #expect(rows.inputs.map { [$0.name, $0.datatype] } == [["rows", "FP32"]])
            #expect(rows.inputs.first?.shape == [-1, 4])
            #expect(rows.outputs.map(\.name) == ["mu", "logvar", "z"] && rows.outputs.first?.shape == [-1, 2])
            for method in ["decode", "denoise", "sample"] {
                let outputs = try await metadata(client, "t.\(method)").outputs
                #expect(outputs.first?.name == "rows" && outputs.first?.datatype == "FP32", "\(method)")
                #expect(
                    outputs.first?.shape == [-1, 4] && !outputs.contains { $0.name.hasPrefix("images") }, "\(method)")
            }
            let tableConfig = try await config(client, "t.decode").config
            #expect(tableConfig.output.map(\.name) == ["rows"] && tableConfig.output.first?.dims == [4])
            #expect(tableConfig.output.first?.dataType == .typeFp32)
        }
    }

    @Test("an RGB model's encode and decode agree with the engine's, row by row, to float rounding")
    func rgbRoundTrip() async throws {
        let rgb = try Self.rgb()
        try await withService(serving: [rgb]) { client, engine in
            let images = ("images", "UINT8", [Int64]([2, 4, 3, 3]))
            let encoded = try await client.modelInfer(
                inferRequest("rgb.encode", [images], raw: [Data(Self.twoRGBImages)]))
            #expect(encoded.outputs.first?.shape == [2, 2])
            let mu = encoded.floats("mu") ?? []
            let unit = Self.twoRGBImages.map { Float($0) / 255 }
            let reference = await rowByRow(engine, unit, width: 36) {
                .encode(EncodeRequest(model: rgb, images: $0, count: 1))
            }
            let codes = agreement(mu, reference.mu, within: Tolerance.batching)
            #expect(codes.holds && mu.count == 4, "\(codes)")

            let decoded = try await client.modelInfer(
                inferRequest("rgb.decode", [("z", "FP32", [2, 2])], contents: [fp32(mu)]))
            #expect(decoded.outputs.map(\.shape) == [[2, 4, 3, 3], [2, 4, 3, 3]])
            let pixels = decoded.floats("images_fp32") ?? []
            let expected = await rowByRow(engine, mu, width: 2) {
                .decode(DecodeRequest(model: rgb, codes: $0, count: 1, pixels: .floats))
            }
            let decodedAgreement = agreement(pixels, expected.output, within: Tolerance.batching)
            #expect(decodedAgreement.holds && pixels.count == 72, "\(decodedAgreement)")
            let bytes = pixelAgreement(Array(decoded.rawOutputContents[0]), pixels.map { UInt8(($0 * 255).rounded()) })
            #expect(bytes.holds, "the UINT8 images are the FP32 ones rounded: \(bytes)")

            // denoise is decode(mu(x)) through the same transport.
            let denoised = try await client.modelInfer(
                inferRequest("rgb.denoise", [images], raw: [Data(Self.twoRGBImages)], outputs: ["images_fp32"]))
            let clean = agreement(denoised.floats("images_fp32") ?? [], pixels, within: Tolerance.batching)
            #expect(clean.holds, "\(clean)")
        }
    }

    /// Rows in the data's units back in the model's standardised units, where batching moves values by at most
    /// Tolerance.batching; the float rounding of mean + std · x at the data's size adds up to an ulp of 1000 over
    /// std 10 (6e-6), so table rows are compared within 2 × Tolerance.batching there.
    static func standardised(_ values: [Float]) -> [Double] {
        values.enumerated().map { i, value in (Double(value) - mean[i % 4]) / std[i % 4] }
    }

    static func tableAgreement(_ a: [Float], _ b: [Float]) -> Agreement {
        agreement(standardised(a), standardised(b), within: 2 * Tolerance.batching)
    }

    @Test("a table model's encode and decode agree with the engine's, rows in and out in the data's units")
    func tableRoundTrip() async throws {
        let table = try Self.table()
        try await withService(serving: [table]) { client, engine in
            let rows: [Float] = [9, 1001, 0.5, -5.5, 12, 990, 3, -4]
            let encoded = try await client.modelInfer(
                inferRequest("t.encode", [("rows", "FP32", [2, 4])], contents: [fp32(rows)]))
            #expect(encoded.outputs.map(\.name) == ["mu", "logvar", "z"] && encoded.outputs.first?.shape == [2, 2])
            let mu = encoded.floats("mu") ?? []
            let reference = await rowByRow(engine, rows, width: 4) {
                .encode(EncodeRequest(model: table, images: $0, count: 1))
            }
            let codes = agreement(mu, reference.mu, within: Tolerance.batching)
            #expect(codes.holds && mu.count == 4, "\(codes)")
            let raw = try await client.modelInfer(
                inferRequest("t.encode", [("rows", "FP32", [2, 4])], raw: [rows.withUnsafeBytes { Data($0) }]))
            #expect(raw.floats("mu") == mu, "raw and typed contents: the same batch, the same bits")

            let decoded = try await client.modelInfer(
                inferRequest("t.decode", [("z", "FP32", [2, 2])], contents: [fp32(mu)]))
            #expect(decoded.outputs.map(\.name) == ["rows"] && decoded.outputs.first?.shape == [2, 4])
            #expect(decoded.outputs.first?.datatype == "FP32")
            let values = decoded.floats("rows") ?? []
            let expected = await rowByRow(engine, mu, width: 2) {
                .decode(DecodeRequest(model: table, codes: $0, count: 1, pixels: .floats))
            }
            let decodedAgreement = Self.tableAgreement(values, expected.output)
            #expect(decodedAgreement.holds && values.count == 8, "\(decodedAgreement)")
            #expect(values.count == 8 && values[1] > 900 && values[5] > 900, "b de-standardised around 1000: \(values)")

            let denoised = try await client.modelInfer(
                inferRequest("t.denoise", [("rows", "FP32", [2, 4])], contents: [fp32(rows)]))
            let clean = Self.tableAgreement(denoised.floats("rows") ?? [], values)
            #expect(clean.holds, "denoise is decode(mu(x)): \(clean)")
        }
    }

    @Test("a tensor of the wrong shape is refused INVALID_ARGUMENT naming the shape the model takes")
    func wrongShapes() async throws {
        try await withService(serving: [try Self.rgb(), try Self.table()]) { client, _ in
            func refusal(_ request: Inference_ModelInferRequest) async -> RPCError? {
                await rpcError { _ = try await client.modelInfer(request) }
            }
            let grey = await refusal(
                inferRequest("rgb.encode", [("images", "UINT8", [2, 4, 3])], raw: [Data(count: 24)]))
            #expect(
                grey?.code == .invalidArgument && grey?.message.contains("it takes [-1, 4, 3, 3]") == true,
                "\(String(describing: grey))")
            let code = await refusal(inferRequest("rgb.decode", [("z", "FP32", [1, 3])], contents: [fp32([0, 0, 0])]))
            #expect(code?.code == .invalidArgument && code?.message.contains("it takes [-1, 2]") == true)

            let narrow = await refusal(
                inferRequest("t.encode", [("rows", "FP32", [2, 3])], contents: [fp32(Array(repeating: 1, count: 6))]))
            #expect(
                narrow?.code == .invalidArgument && narrow?.message.contains("it takes [-1, 4]") == true,
                "\(String(describing: narrow))")
            let flat = await refusal(
                inferRequest("t.denoise", [("rows", "FP32", [4])], contents: [fp32([1, 2, 3, 4])]))
            #expect(flat?.code == .invalidArgument && flat?.message.contains("it takes [-1, 4]") == true)
            let image = await refusal(
                inferRequest("t.encode", [("images", "UINT8", [1, 1, 4])], raw: [Data(count: 4)]))
            #expect(
                image?.code == .invalidArgument && image?.message.contains("its inputs are rows") == true,
                "\(String(describing: image))")
            let rowsToRGB = await refusal(
                inferRequest(
                    "rgb.encode", [("rows", "FP32", [1, 36])], contents: [fp32(Array(repeating: 0, count: 36))]))
            #expect(rowsToRGB?.code == .invalidArgument && rowsToRGB?.message.contains("its inputs are images") == true)
            var infinite = Array(repeating: Float(1), count: 8)
            infinite[6] = .infinity
            let notFinite = await refusal(
                inferRequest("t.encode", [("rows", "FP32", [2, 4])], contents: [fp32(infinite)]))
            #expect(notFinite?.code == .invalidArgument && notFinite?.message.contains("row 1, column 2") == true)
        }
    }
}
