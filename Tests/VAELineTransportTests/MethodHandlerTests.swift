import Foundation
import Testing
import VAEImage
import VAEJSON
import VAEModel
import VAENumerics
import VAELineTransport
import VAEServing
import VAETestSupport

/// Runs `body` with a line responder on a running engine over `models`, and stops the engine afterwards.
func withResponder(_ models: [ServedModel], maxLineBytes: Int = 1 << 20, maxBatch: Int = 256,
                   _ body: (LineResponder) async throws -> Void) async throws {
    let engine = ServingEngine(models: models, limits: ServingLimits(maxBatch: maxBatch),
                               batching: BatchingConfiguration(window: .zero, threads: 1))
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask(executorPreference: QueueTaskExecutor()) { try await engine.run() }
        defer { group.cancelAll() }
        try await body(LineResponder(engine: engine, maxLineBytes: maxLineBytes))
    }
}

/// A tiny served model with random weights, written and read back through a real .vaez file.
func servedModel(_ name: String, kind: Architecture.Kind, seed: UInt64 = 1) throws -> ServedModel {
    try ServedModel(name: name, path: writeTinyModelFile(name, kind: kind, seed: seed))
}

@Suite("Method handler: every method, determinism, errors")
struct MethodHandlerTests {
    func call(_ handler: LineResponder, _ line: String) async throws -> JSONValue {
        let response = try #require(await handler.respond(toLine: Array(line.utf8)))
        #expect(response.last == 0x0A && response.dropLast().allSatisfy { $0 != 0x0A }, "one line")
        return try JSONParser().parse(Array(response.dropLast()))
    }

    func result(_ handler: LineResponder, _ line: String) async throws -> JSONValue {
        let response = try await call(handler, line)
        #expect(response["error"] == nil, "unexpected error: \(String(describing: response["error"]))")
        return try #require(response["result"])
    }

    func errorType(_ handler: LineResponder, _ line: String) async throws -> String? {
        try await call(handler, line)["error"]?["data"]?["type"]?.stringValue
    }

    func floats(_ value: JSONValue?) -> [[Float]] {
        (value?.arrayValue ?? []).map { ($0.arrayValue ?? []).map { Float($0.doubleValue ?? .nan) } }
    }

    let image = "[0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1,0.5]"

    @Test func helloModelsHealth() async throws {
        try await withResponder([try servedModel("digits", kind: .vae)], maxBatch: 16) { handler in
            let hello = try await result(handler, #"{"jsonrpc":"2.0","id":1,"method":"hello"}"#)
            #expect(hello["protocol"]?.integerValue == 1)
            #expect(hello["limits"]?["max_batch"]?.integerValue == 16)
            #expect(hello["models"] == .array([.string("digits")]))
            // The GEMM kernels, as this process runs them.
            #expect(hello["gemm"]?["library"]?.stringValue == GEMM.kernels.library)
            #expect(hello["gemm"]?["version"]?.stringValue == GEMM.kernels.version)
            #expect(hello["gemm"]?["isa"]?.stringValue == GEMM.kernels.instructionSet)
            #expect(hello["gemm"]?["cpu_isa"]?.stringValue == GEMM.kernels.cpuInstructionSet)
            let models = try await result(handler, #"{"id":2,"method":"models"}"#)["models"]?.arrayValue
            #expect(models?.first?["kind"]?.stringValue == "vae")
            #expect(models?.first?["image"]?["width"]?.integerValue == 3)
            #expect(models?.first?["file"]?["sha256"]?.stringValue?.count == 64)
            #expect(try await result(handler, #"{"id":3,"method":"health"}"#)["status"]?.stringValue == "ok")
        }
    }

    @Test func encodeDecodeDenoiseAgreeWithEachOther() async throws {
        try await withResponder([try servedModel("m", kind: .vae)]) { handler in
            let encoded = try await result(handler, #"{"id":1,"method":"encode","params":{"images":[\#(image)]}}"#)
            let mu = floats(encoded["mu"])
            #expect(mu.count == 1 && mu[0].count == 2)
            #expect(floats(encoded["z"]) == mu, "z = mu unless sample is true")
            #expect(floats(encoded["logvar"]).count == 1)

            let decoded = try await result(handler, #"{"id":2,"method":"decode","params":{"z":[[\#(mu[0][0]),\#(mu[0][1])]]}}"#)
            let denoised = try await result(handler, #"{"id":3,"method":"denoise","params":{"images":[\#(image)]}}"#)
            #expect(floats(decoded["images"]) == floats(denoised["images"]), "denoise = decode(mu)")
            #expect(floats(decoded["images"])[0].allSatisfy { $0 >= 0 && $0 <= 1 })

            let sampled = try await result(handler, #"{"id":4,"method":"encode","params":{"images":[\#(image)],"sample":true,"seed":3}}"#)
            #expect(floats(sampled["z"]) != mu)
            let again = try await result(handler, #"{"id":5,"method":"encode","params":{"images":[\#(image)],"sample":true,"seed":3}}"#)
            #expect(floats(sampled["z"]) == floats(again["z"]))
        }
    }

    @Test func sampleIsDeterministicPerSeedAndIndex() async throws {
        try await withResponder([try servedModel("m", kind: .vae)]) { handler in
            let five = try await result(handler, #"{"id":1,"method":"sample","params":{"count":5,"seed":42}}"#)
            let three = try await result(handler, #"{"id":2,"method":"sample","params":{"count":3,"seed":42,"output":"array"}}"#)
            #expect(five["seed"]?.integerValue == 42)
            #expect(Array(floats(five["z"]).prefix(3)) == floats(three["z"]), "code i depends only on (seed, i), bit for bit")
            // The images come from a 5-row and a 3-row GEMM: the same to float rounding (protocol.md §6), not bits.
            #expect(floats(five["images"]).count == 5 && floats(three["images"]).count == 3)
            let images = agreement(
                floats(five["images"]).prefix(3).joined(), floats(three["images"]).joined(), within: Tolerance.batching)
            #expect(images.holds, "the first 3 of 5 sampled images against 3 sampled images: \(images)")
            let other = try await result(handler, #"{"id":3,"method":"sample","params":{"count":3,"seed":43}}"#)
            #expect(floats(other["z"]) != floats(three["z"]))
            // The images are the decodes of the returned codes (a 3-row decode of the same codes: the same bits).
            let z = floats(three["z"]).map { "[\($0[0]),\($0[1])]" }.joined(separator: ",")
            let decoded = try await result(handler, #"{"id":4,"method":"decode","params":{"z":[\#(z)]}}"#)
            #expect(floats(decoded["images"]) == floats(three["images"]))
            // A missing seed is drawn and returned.
            #expect(try await result(handler, #"{"id":5,"method":"sample","params":{"count":1}}"#)["seed"] != nil)
        }
    }

    @Test func aeEncodesZOnlyAndSamplesFromItsLatentStatistics() async throws {
        try await withResponder([try servedModel("ae", kind: .ae)]) { handler in
            let encoded = try await result(handler, #"{"id":1,"method":"encode","params":{"images":[\#(image)]}}"#)
            #expect(encoded["mu"] == nil && encoded["logvar"] == nil && floats(encoded["z"]).count == 1)
            let sampled = try await result(handler, #"{"id":2,"method":"sample","params":{"count":200,"seed":1,"temperature":0.5}}"#)
            let z = floats(sampled["z"])
            let mean0 = z.reduce(0) { $0 + $1[0] } / Float(z.count), mean1 = z.reduce(0) { $0 + $1[1] } / Float(z.count)
            // mean 0.5 and -1; std 2·0.5 = 1 and 0.25·0.5: 5 standard errors.
            #expect(abs(mean0 - 0.5) < 5 * 1 / Float(200).squareRoot())
            #expect(abs(mean1 + 1) < 5 * 0.125 / Float(200).squareRoot())
        }
    }

    @Test func outputFormatsCarryTheSameImage() async throws {
        try await withResponder([try servedModel("m", kind: .vae)]) { handler in
            let image = "[" + (0..<12).map { String(Double($0 % 5) / 4) }.joined(separator: ",") + "]"
            for (method, params) in [("sample", #""count":3,"seed":9"#), ("denoise", #""images":[\#(image),\#(image)]"#)] {
                func images(_ output: String) async throws -> [JSONValue] {
                    let answer = try await result(handler, #"{"id":1,"method":"\#(method)","params":{\#(params),"output":"\#(output)"}}"#)
                    return try #require(answer["images"]?.arrayValue)
                }
                let expected = floats(.array(try await images("array"))).map { $0.map { UInt8(($0 * 255).rounded()) } }
                let u8 = try await images("u8").map { [UInt8](Data(base64Encoded: try #require($0["u8"]?.stringValue))!) }
                let png = try await images("png").map { [UInt8](Data(base64Encoded: try #require($0["png"]?.stringValue))!) }
                #expect(expected.count == (method == "sample" ? 3 : 2))
                #expect(u8 == expected, "\(method): u8")
                #expect(try png.map { try PNG.decode($0).pixels } == expected, "\(method): png")
            }
        }
    }

    @Test func errorsNameTheProblemAndKeepTheRequestId() async throws {
        try await withResponder([try servedModel("a", kind: .vae), try servedModel("b", kind: .ae, seed: 2)], maxLineBytes: 4096, maxBatch: 4) { two in
            #expect(try await errorType(two, #"{"id":1,"method":"sample","params":{"count":1}}"#) == "model_required")
            let missing = try await call(two, #"{"id":"x","method":"sample","params":{"model":"c","count":1}}"#)
            #expect(missing["id"]?.stringValue == "x" && missing["error"]?["code"]?.integerValue == -32001)
            #expect(try await errorType(two, #"{"id":2,"method":"sample","params":{"model":"a","count":5}}"#) == "too_large")
            #expect(try await errorType(two, #"{"id":3,"method":"sample","params":{"model":"a","count":0}}"#) == "invalid_value")
            #expect(try await errorType(two, #"{"id":4,"method":"sample","params":{"model":"a","count":1,"temperature":0}}"#) == "invalid_value")
            #expect(try await errorType(two, #"{"id":5,"method":"encode","params":{"model":"a","images":[[0,1]]}}"#) == "shape_mismatch")
            #expect(try await errorType(two, #"{"id":6,"method":"decode","params":{"model":"a","z":[[0,1,2]]}}"#) == "shape_mismatch")
            #expect(try await errorType(two, #"{"id":7,"method":"decode","params":{"model":"a"}}"#) == "invalid_params")
            #expect(try await errorType(two, #"{"id":8,"method":"nope"}"#) == "method_not_found")
            #expect(try await errorType(two, #"{"id":9,"method":"reload"}"#) == "internal_error", "no model catalog to reload")
            #expect(try await errorType(two, "{\"id\":10,\"method\":\"hello\",\"pad\":\"" + String(repeating: "x", count: 5000) + "\"}") == "line_too_long")
            // And the handler still answers afterwards.
            #expect(try await result(two, #"{"id":11,"method":"health"}"#)["status"]?.stringValue == "ok")
        }
    }

    @Test func notificationsBatchesAndDraining() async throws {
        try await withResponder([try servedModel("m", kind: .vae)]) { handler in
            #expect(await handler.respond(toLine: Array(#"{"method":"health"}"#.utf8)) == nil)
            #expect(await handler.respond(toLine: Array("   ".utf8)) == nil)
            let batch = try JSONParser().parse(Array(try #require(await handler.respond(toLine: Array(
                #"[{"id":1,"method":"health"},{"method":"health"},{"id":2,"method":"nope"}]"#.utf8))).dropLast()))
            #expect(batch.arrayValue?.count == 2)
            #expect(batch.arrayValue?.first?["id"]?.integerValue == 1)
            #expect(batch.arrayValue?.last?["error"]?["data"]?["type"]?.stringValue == "method_not_found")

            handler.engine.beginDraining()
            #expect(try await errorType(handler, #"{"id":3,"method":"sample","params":{"count":1}}"#) == "shutting_down")
            #expect(try await result(handler, #"{"id":4,"method":"health"}"#)["status"]?.stringValue == "draining")
        }
    }
}
