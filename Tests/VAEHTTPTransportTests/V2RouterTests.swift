import NIOCore
import NIOHTTP1
import Testing
@testable import VAEHTTPTransport
import VAEJSON
import VAEModel
import VAEServing
import VAETestSupport
import VAETransportSupport

/// A started engine over a tiny VAE named `vae` (4×3 images, z 2), and a router on it.
func withRouter(token: BearerToken? = nil, _ body: (V2Router, ServingEngine) async throws -> Void) async throws {
    let vae = try ServedModel(name: "vae", path: writeTinyModelFile("vae", kind: .vae))
    let engine = ServingEngine(models: [vae], limits: ServingLimits(maxBatch: 8),
                               batching: BatchingConfiguration(window: .zero, threads: 2))
    let running = Task(executorPreference: QueueTaskExecutor()) { try await engine.run() }
    defer { running.cancel() }
    try await body(V2Router(engine: engine, token: token) { "vaed_test 1\n" }, engine)
}

extension V2Router {
    func answer(_ method: HTTPMethod, _ uri: String, headers: [(String, String)] = [], body: [UInt8] = []) async -> HTTPAnswer {
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(headers))
        return await withCheckedContinuation { continuation in
            route(head, body: ByteBuffer(bytes: body), mayRunInline: false) { continuation.resume(returning: $0) }
        }
    }
}

extension HTTPAnswer {
    var json: JSONValue? { try? JSONParser().parse(body) }
    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

/// A V2 infer body with the binary extension: the JSON, then the inputs' bytes; returns the body and the JSON's length.
func binaryBody(_ json: String, _ data: [UInt8]) -> ([UInt8], Int) {
    (Array(json.utf8) + data, json.utf8.count)
}

let twoImages: [UInt8] = (0..<24).map { UInt8(($0 * 29) % 256) }

@Suite("V2 REST: endpoints, binary tensors, errors and auth")
struct V2RouterTests {
    @Test func serverAndModelEndpointsAnswerWhatTritonClientsRead() async throws {
        try await withRouter { router, engine in
            let server = await router.answer(.GET, "/v2")
            #expect(server.status == .ok && server.json?["name"] == .string("vaed"))
            #expect(server.json?["extensions"]?.arrayValue?.contains(.string("binary_tensor_data")) == true)
            #expect(await router.answer(.GET, "/v2/health/live").status == .ok)
            #expect(await router.answer(.GET, "/v2/health/ready").status == .ok)

            let metadata = await router.answer(.GET, "/v2/models/vae.encode")
            let version = metadata.json?["versions"]?.arrayValue?.first?.stringValue ?? ""
            #expect(metadata.status == .ok && version.count == 12)
            #expect(metadata.json?["inputs"]?.arrayValue?.first?["shape"] == .array([.int(-1), .int(4), .int(3)]))
            #expect(await router.answer(.GET, "/v2/models/vae.encode/versions/\(version)").status == .ok)
            #expect(await router.answer(.GET, "/v2/models/vae.encode/versions/123").status == .notFound)
            #expect(await router.answer(.GET, "/v2/models/vae.decode/ready").status == .ok)

            let config = await router.answer(.GET, "/v2/models/vae.encode/config")
            #expect(config.json?["max_batch_size"] == .int(8))
            #expect(config.json?["input"]?.arrayValue?.first?["dims"] == .array([.int(4), .int(3)]), "no batch dimension")
            #expect(config.json?["input"]?.arrayValue?.first?["data_type"] == .string("TYPE_UINT8"))
            #expect(config.json?["dynamic_batching"] != nil)
            #expect((await router.answer(.GET, "/v2/models/vae.sample/config")).json?["max_batch_size"] == .int(0))

            let metrics = await router.answer(.GET, "/metrics")
            #expect(metrics.status == .ok && metrics.contentType.hasPrefix("text/plain") && metrics.body == Array("vaed_test 1\n".utf8))

            // Readiness turns false when shutdown begins; liveness does not.
            engine.markNotReady()
            #expect(await router.answer(.GET, "/v2/health/ready").status == .serviceUnavailable)
            #expect(await router.answer(.GET, "/v2/models/vae.encode/ready").status == .serviceUnavailable)
            #expect(await router.answer(.GET, "/v2/health/live").status == .ok)
        }
    }

    @Test func unknownPathsMethodsAndModelsAreJSONErrors() async throws {
        try await withRouter { router, _ in
            let missing = await router.answer(.GET, "/v2/models/nope.encode")
            #expect(missing.status == .notFound && missing.json?["type"] == .string("model_not_found"))
            #expect(missing.json?["error"]?.stringValue?.contains("nope.encode") == true)
            #expect(await router.answer(.GET, "/v3").status == .notFound)
            let wrongMethod = await router.answer(.GET, "/v2/models/vae.encode/infer")
            #expect(wrongMethod.status == .methodNotAllowed && wrongMethod.header("Allow") == "POST")
            let notJSON = await router.answer(.POST, "/v2/models/vae.encode/infer", body: Array("{\"inputs\":".utf8))
            #expect(notJSON.status == .badRequest && notJSON.json?["type"] == .string("parse_error"))
        }
    }

    @Test func binaryTensorsInAndOutAgreeWithJSONTensors() async throws {
        try await withRouter { router, _ in
            let header = #"{"inputs":[{"name":"images","shape":[2,4,3],"datatype":"UINT8","parameters":{"binary_data_size":24}}],"#
                + #""parameters":{"binary_data_output":true}}"#
            let (body, length) = binaryBody(header, twoImages)
            let binary = await router.answer(.POST, "/v2/models/vae.encode/infer",
                                             headers: [("Inference-Header-Content-Length", "\(length)")], body: body)
            #expect(binary.status == .ok && binary.contentType == "application/octet-stream")
            let jsonLength = Int(binary.header("Inference-Header-Content-Length") ?? "") ?? -1
            let head = try JSONParser().parse(Array(binary.body.prefix(max(jsonLength, 0))))
            let outputs = head["outputs"]?.arrayValue ?? []
            #expect(outputs.map { $0["parameters"]?["binary_data_size"] } == [.int(16), .int(16), .int(16)])
            #expect(binary.body.count == jsonLength + 48)
            let mu = binary.body[jsonLength..<(jsonLength + 16)].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }

            let json = #"{"inputs":[{"name":"images","shape":[2,4,3],"datatype":"UINT8","data":[\#(twoImages.map(String.init).joined(separator: ","))]}],"outputs":[{"name":"mu"}]}"#
            let text = await router.answer(.POST, "/v2/models/vae.encode/infer", body: Array(json.utf8))
            #expect(text.status == .ok && text.contentType == "application/json")
            let textMu = text.json?["outputs"]?.arrayValue?.first?["data"]?.arrayValue?.compactMap { $0.doubleValue.map(Float.init) }
            // Two requests, each computed on its own: the same floats to the batching tolerance.
            let same = agreement(textMu ?? [], mu, within: Tolerance.batching)
            #expect(textMu?.count == 4 && same.holds, "binary and JSON answers carry the same floats: \(same)")
        }
    }

    @Test func binarySizesThatDisagreeAreRefused() async throws {
        try await withRouter { router, _ in
            let infer = "/v2/models/vae.encode/infer"
            let input = #"{"inputs":[{"name":"images","shape":[2,4,3],"datatype":"UINT8","parameters":{"binary_data_size":SIZE}}]}"#
            for (size, data, words) in [(30, twoImages, "only 24 bytes"), (20, twoImages, "4 bytes of binary data follow"),
                                        (23, Array(twoImages.prefix(23)), "23 bytes of data")] {
                let (body, length) = binaryBody(input.replacingOccurrences(of: "SIZE", with: "\(size)"), data)
                let answer = await router.answer(.POST, infer, headers: [("Inference-Header-Content-Length", "\(length)")], body: body)
                #expect(answer.status == .badRequest && answer.json?["error"]?.stringValue?.contains(words) == true,
                        "\(size): \(String(decoding: answer.body, as: UTF8.self))")
            }
            let tooLong = await router.answer(.POST, infer, headers: [("Inference-Header-Content-Length", "9999")], body: Array("{}".utf8))
            #expect(tooLong.status == .badRequest && tooLong.json?["type"] == .string("invalid_request"))
            let negative = await router.answer(.POST, infer, headers: [("Inference-Header-Content-Length", "-1")], body: Array("{}".utf8))
            #expect(negative.status == .badRequest)
        }
    }

    @Test func aTokenGuardsEverythingButTheHealthProbes() async throws {
        let token = BearerToken("a-long-enough-test-token")
        try await withRouter(token: token) { router, _ in
            #expect(await router.answer(.GET, "/v2/health/ready").status == .ok)
            #expect(await router.answer(.GET, "/v2/health/live").status == .ok)
            for uri in ["/v2", "/v2/models/vae.encode", "/metrics"] {
                let refused = await router.answer(.GET, uri)
                #expect(refused.status == .unauthorized && refused.header("WWW-Authenticate") == "Bearer")
                #expect(await router.answer(.GET, uri, headers: [("Authorization", "Bearer wrong")]).status == .unauthorized)
                #expect(await router.answer(.GET, uri, headers: [("Authorization", "Bearer a-long-enough-test-token")]).status == .ok)
            }
        }
        #expect(!token.admits(authorization: "a-long-enough-test-token"), "the scheme is required")
        #expect(token.admits(authorization: "bearer a-long-enough-test-token"), "the scheme is case-insensitive")
    }

    @Test func anOverloadedAnswerSaysWhenToRetry() {
        let answer = HTTPAnswer.failure(.init(ServingError.overloaded(retryAfterMilliseconds: 1200)), RequestRecord())
        #expect(answer.status == .serviceUnavailable && answer.header("Retry-After") == "2")
        #expect(answer.record.errorType == "overloaded")
    }

    @Test func listenAddressesDefaultToLoopback() throws {
        #expect(try ListenAddress(parsing: "8080", flag: "--http") == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(try ListenAddress(parsing: ":8080", flag: "--http").isLoopback)
        #expect(try ListenAddress(parsing: "0.0.0.0:8081", flag: "--grpc") == ListenAddress(host: "0.0.0.0", port: 8081))
        #expect(try ListenAddress(parsing: "[::1]:9", flag: "--http") == ListenAddress(host: "::1", port: 9))
        for bad in ["", "host:", "host:70000", "::1:80", "[::1]80", "a:b"] {
            #expect(throws: ListenAddressError.self, "\(bad)") { try ListenAddress(parsing: bad, flag: "--http") }
        }
    }
}
