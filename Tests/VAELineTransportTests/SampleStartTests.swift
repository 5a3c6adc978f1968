import Testing
import VAEJSON
import VAELineTransport
import VAEServing

extension MethodHandlerTests {
    /// `start` lets a client split a large sample into requests of at most max_batch: code i of a request is code
    /// start + i of the seed.
    @Test func sampleStartPicksCodesFurtherAlongTheSeed() async throws {
        try await withResponder([try servedModel("m", kind: .vae)], maxBatch: 4) { handler in
            let whole = try await result(handler, #"{"id":1,"method":"sample","params":{"count":4,"seed":42}}"#)
            let tail = try await result(handler, #"{"id":2,"method":"sample","params":{"count":2,"seed":42,"start":2}}"#)
            #expect(Array(floats(whole["z"]).suffix(2)) == floats(tail["z"]), "codes 2 and 3 of seed 42, bit for bit")
            #expect(tail["start"]?.integerValue == 2 && tail["seed"]?.integerValue == 42, "echoed, so a client can check")
            #expect(whole["start"] == nil, "no start asked, none echoed: answers stay as they were")
            let far = try await result(handler, #"{"id":3,"method":"sample","params":{"count":1,"seed":42,"start":1000}}"#)
            #expect(floats(far["z"]).count == 1 && floats(far["z"]) != floats(whole["z"]).prefix(1).map { $0 })
            #expect(try await errorType(handler, #"{"id":4,"method":"sample","params":{"count":1,"start":-1}}"#) == "invalid_value")
            #expect(try await errorType(handler, #"{"id":5,"method":"sample","params":{"count":1,"start":0.5}}"#) == "invalid_params")
            // The count limit still holds per request, whatever the start.
            #expect(try await errorType(handler, #"{"id":6,"method":"sample","params":{"count":5,"start":4}}"#) == "too_large")
        }
    }
}
