import NIOCore
import NIOHTTP1
import Testing
@testable import VAEHTTPTransport
import VAEFormat
import VAEImage
import VAEJSON
import VAEModel
import VAEServing
import VAETestSupport

/// A started engine over `models`, and a router on it.
func withRouter(serving models: [ServedModel], _ body: (V2Router) async throws -> Void) async throws {
    let engine = ServingEngine(models: models, limits: ServingLimits(maxBatch: 8),
                               batching: BatchingConfiguration(window: .zero, threads: 1))
    let running = Task(executorPreference: QueueTaskExecutor()) { try await engine.run() }
    defer { running.cancel() }
    try await body(V2Router(engine: engine, token: nil) { "" })
}

@Suite("V2 REST: RGB and table models")
struct OwnDataV2Tests {
    func output(_ answer: HTTPAnswer, _ name: String) -> JSONValue? {
        answer.json?["outputs"]?.arrayValue?.first { $0["name"]?.stringValue == name }
    }

    @Test("an RGB model's images are [-1, H, W, 3] in metadata, config and answers")
    func rgbShapes() async throws {
        let rgb = try ServedModel(name: "rgb", path: writeTinyModelFile("rgb", kind: .vae, channels: 3))
        try await withRouter(serving: [rgb]) { router in
            let metadata = await router.answer(.GET, "/v2/models/rgb.encode")
            #expect(metadata.json?["inputs"]?.arrayValue?.first?["shape"] == .array([.int(-1), .int(4), .int(3), .int(3)]))
            let decode = await router.answer(.GET, "/v2/models/rgb.decode")
            #expect(decode.json?["outputs"]?.arrayValue?.first?["shape"] == .array([.int(-1), .int(4), .int(3), .int(3)]))
            let config = await router.answer(.GET, "/v2/models/rgb.denoise/config")
            #expect(config.json?["input"]?.arrayValue?.first?["dims"] == .array([.int(4), .int(3), .int(3)]))

            let bytes = (0..<72).map { String(($0 * 29) % 256) }.joined(separator: ",")
            let body = #"{"inputs":[{"name":"images","shape":[2,4,3,3],"datatype":"UINT8","data":[\#(bytes)]}]}"#
            let denoised = await router.answer(.POST, "/v2/models/rgb.denoise/infer", body: Array(body.utf8))
            #expect(denoised.status == .ok)
            #expect(output(denoised, "images")?["shape"] == .array([.int(2), .int(4), .int(3), .int(3)]))
            #expect(output(denoised, "images")?["data"]?.arrayValue?.count == 72)

            let greyBytes = (0..<24).map { String($0) }.joined(separator: ",")
            let grey = #"{"inputs":[{"name":"images","shape":[2,4,3],"datatype":"UINT8","data":[\#(greyBytes)]}]}"#
            let refused = await router.answer(.POST, "/v2/models/rgb.encode/infer", body: Array(grey.utf8))
            #expect(refused.status == .badRequest)
            #expect(refused.json?["error"]?.stringValue?.contains("[-1, 4, 3, 3]") == true)
        }
    }

    @Test("a table model takes and answers rows FP32 [-1, D] in the data's units")
    func tableRows() async throws {
        let data = DataDescription(
            kind: .table, likelihood: .gaussian, variance: 0.25,
            normalisation: .init(mean: [10, 1000, 0, 0], std: [2, 10, 1, 1]), features: ["a", "b", "c", "d"])
        let table = try ServedModel(name: "t", path: writeTinyModelFile("t", kind: .vae, data: data))
        try await withRouter(serving: [table]) { router in
            let encode = await router.answer(.GET, "/v2/models/t.encode")
            #expect(encode.json?["inputs"]?.arrayValue?.first?["name"] == .string("rows"))
            #expect(encode.json?["inputs"]?.arrayValue?.first?["datatype"] == .string("FP32"))
            #expect(encode.json?["inputs"]?.arrayValue?.first?["shape"] == .array([.int(-1), .int(4)]))
            for method in ["decode", "sample", "denoise"] {
                let metadata = await router.answer(.GET, "/v2/models/t.\(method)")
                let rows = metadata.json?["outputs"]?.arrayValue?.first
                #expect(rows?["name"] == .string("rows") && rows?["shape"] == .array([.int(-1), .int(4)]), "\(method)")
                #expect(metadata.json?["outputs"]?.arrayValue?.contains { $0["name"] == .string("images") } == false)
            }
            let config = await router.answer(.GET, "/v2/models/t.decode/config")
            #expect(config.json?["output"]?.arrayValue?.first?["dims"] == .array([.int(4)]))

            let body = #"{"inputs":[{"name":"rows","shape":[2,4],"datatype":"FP32","data":[9,1001,0.5,-2,12,990,3,1]}]}"#
            let denoised = await router.answer(.POST, "/v2/models/t.denoise/infer", body: Array(body.utf8))
            #expect(denoised.status == .ok)
            #expect(output(denoised, "rows")?["shape"] == .array([.int(2), .int(4)]))
            let values = output(denoised, "rows")?["data"]?.arrayValue?.compactMap(\.doubleValue) ?? []
            #expect(values.count == 8 && values[1] > 900, "b de-standardised around 1000: \(values)")
            let sampled = await router.answer(
                .POST, "/v2/models/t.sample/infer", body: Array(#"{"inputs":[],"parameters":{"count":3,"seed":2}}"#.utf8))
            #expect(output(sampled, "rows")?["shape"] == .array([.int(3), .int(4)]))

            let wrong = #"{"inputs":[{"name":"images","shape":[1,1,4],"datatype":"UINT8","data":[0,0,0,0]}]}"#
            let refused = await router.answer(.POST, "/v2/models/t.encode/infer", body: Array(wrong.utf8))
            #expect(refused.status == .badRequest && refused.json?["error"]?.stringValue?.contains("rows") == true)
        }
    }
}
