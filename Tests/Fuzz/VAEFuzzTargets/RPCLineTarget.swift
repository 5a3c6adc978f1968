import VAEJSON
import VAELineTransport
import VAEProtocol
import VAEServing

extension FuzzTarget {
    /// A whole protocol v1 request line (Formats/protocol.md) through the same parsing and validation the daemon
    /// runs, up to the engine request (no compute): each request becomes an engine request within the limits, or an
    /// `RPCError` whose response line is valid JSON naming a type and a message.
    static let rpcLine = FuzzTarget(name: "FuzzRPCLine", summary: "protocol v1 request lines, validated into engine requests") { data in
        var properties = Properties()
        let decoder = RPCCallDecoder(engine: FuzzModels.engine)
        let parsed: [Result<RPCRequest, RPCFailure>]
        switch RPCIncoming.parse(line: data.bindMemory(to: UInt8.self)) {
        case .empty: return properties.outcome
        case .single(let request): parsed = [request]
        case .batch(let requests): parsed = requests
        }
        for request in parsed {
            switch request {
            case .failure(let failure):
                checkAnswer(failure.id, failure.error, &properties)
            case .success(let request):
                var record = RequestRecord()
                do throws(RPCError) {
                    let call = try decoder.call(for: request, draining: false, record: &record)
                    properties.accepted = true
                    checkRequest(call.request, &properties)
                } catch {
                    checkAnswer(request.id ?? .null, error, &properties)
                }
            }
        }
        return properties.outcome
    }

    /// An engine request carries at most max_batch rows, each with its model's size.
    static func checkRequest(_ request: ServingRequest, _ properties: inout Properties) {
        properties.expect(request.rows <= FuzzModels.maxBatch, "a request of \(request.rows) rows passed max_batch")
        switch request {
        case .encode(let r):
            properties.expect(r.count >= 1 && r.images.count == r.count * r.model.pixelCount, "encode images do not match their count")
            checkValues(r.images, of: r.model, "encode", &properties)
        case .denoise(let r):
            properties.expect(r.count >= 1 && r.images.count == r.count * r.model.pixelCount, "denoise images do not match their count")
            checkValues(r.images, of: r.model, "denoise", &properties)
        case .decode(let r):
            properties.expect(r.count >= 1 && r.codes.count == r.count * r.model.zDim, "decode codes do not match their count")
            properties.expect(r.codes.allSatisfy(\.isFinite), "a code that is not finite")
        case .sample(let r):
            properties.expect(r.count >= 1, "a sample of \(r.count) images")
            properties.expect(r.temperature.isFinite && r.temperature >= 0, "sample temperature \(r.temperature)")
        case .hello, .models, .health, .stats, .reload:
            break
        }
    }

    /// An image model's inputs are pixels in [0, 1]; a table model's any finite numbers (standardised later).
    static func checkValues(_ values: [Float], of model: ServedModel, _ method: String, _ properties: inout Properties) {
        if model.data.kind == .table {
            properties.expect(values.allSatisfy(\.isFinite), "a \(method) row value that is not finite")
        } else {
            properties.expect(values.allSatisfy { $0 >= 0 && $0 <= 1 }, "a \(method) pixel outside [0, 1]")
        }
    }

    /// The error response a refusal is answered with parses as JSON-RPC and names the error.
    static func checkAnswer(_ id: RPCID, _ error: RPCError, _ properties: inout Properties) {
        properties.expect(!error.message.isEmpty, "an error of type \(error.type) without a message")
        let line = RPCResponse.failure(id: id, error)
        guard let answer = try? JSONParser().parse(line) else {
            return properties.fail("the error response is not JSON: \(String(decoding: line, as: UTF8.self).prefix(200))")
        }
        properties.expect(answer["error"]?["message"]?.stringValue == error.message, "the error response lost its message")
    }
}
