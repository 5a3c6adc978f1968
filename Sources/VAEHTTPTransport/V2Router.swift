import NIOCore
import NIOHTTP1
import VAEJSON
import VAEOpenInference
import VAEServing
import VAETransportSupport

/// One HTTP answer, written by the connection as a single response.
struct HTTPAnswer: Sendable {
    var status: HTTPResponseStatus
    var contentType = "application/json"
    var headers: [(String, String)] = []
    var body: [UInt8]
    /// What the request was, for the statistics.
    var record: RequestRecord

    static func json(_ body: [UInt8], _ record: RequestRecord, status: HTTPResponseStatus = .ok) -> HTTPAnswer {
        HTTPAnswer(status: status, body: body, record: record)
    }

    static func failure(_ error: InferenceError, _ record: RequestRecord) -> HTTPAnswer {
        var record = record
        record.errorType = error.kind.rawValue
        var answer = HTTPAnswer(status: HTTPResponseStatus(statusCode: error.httpStatus), body: V2JSON.error(error),
                                record: record)
        if let milliseconds = error.retryAfterMilliseconds {
            answer.headers.append(("Retry-After", String(max(1, (milliseconds + 999) / 1000))))
        }
        if error.kind == .unauthorized { answer.headers.append(("WWW-Authenticate", "Bearer")) }
        return answer
    }
}

/// The V2 REST endpoints (Formats/open-inference.md) and `/metrics`, over the engine: a request's method, path,
/// headers and body in, one `HTTPAnswer` out. Free of connections, so the tests drive it directly.
package final class V2Router: Sendable {
    let engine: ServingEngine
    let models: InferenceModels
    let token: BearerToken?
    /// The Prometheus text exposition of the server's metrics.
    let metrics: @Sendable () -> String
    /// Serves only /metrics and the health probes (vaed --metrics).
    let metricsOnly: Bool

    package init(engine: ServingEngine, token: BearerToken?, metricsOnly: Bool = false,
                metrics: @escaping @Sendable () -> String) {
        self.engine = engine
        models = InferenceModels(engine: engine)
        self.token = token
        self.metricsOnly = metricsOnly
        self.metrics = metrics
    }

    /// The same router serving only /metrics and the health probes.
    package var metricsRouter: V2Router { V2Router(engine: engine, token: token, metricsOnly: true, metrics: metrics) }

    /// Answers one request; `answer` is called exactly once, on this thread or (for inference) a compute thread.
    func route(_ head: HTTPRequestHead, body: ByteBuffer, mayRunInline: Bool,
               answer: @escaping @Sendable (HTTPAnswer) -> Void) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        var record = RequestRecord(method: "health")
        func refuse(_ error: InferenceError) { answer(.failure(error, record)) }
        func only(_ allowed: HTTPMethod, _ body: () -> Void) {
            guard head.method == allowed else {
                var refusal = HTTPAnswer.failure(InferenceError(.methodNotAllowed, "\(path) takes \(allowed.rawValue), "
                                                                + "not \(head.method.rawValue)."), record)
                refusal.headers.append(("Allow", allowed.rawValue))
                return answer(refusal)
            }
            body()
        }

        if parts.count == 3, parts[0] == "v2", parts[1] == "health" {
            switch parts[2] {
            case "live": return only(.GET) { answer(.json(Array("{\"live\":true}".utf8), record)) }
            case "ready":
                return only(.GET) {
                    let ready = engine.isReady
                    answer(.json(Array("{\"ready\":\(ready)}".utf8), record, status: ready ? .ok : .serviceUnavailable))
                }
            default: break
            }
        }
        // Everything but the health probes needs the token, when there is one.
        if let token {
            let offered = head.headers.first(name: "authorization")
            if !token.admits(authorization: offered) {
                record.method = nil
                return refuse(InferenceError(.unauthorized, offered == nil
                    ? "This server needs 'Authorization: Bearer <token>' (the token in vaed's --auth-token-file)."
                    : "The Authorization header does not carry this server's token (Bearer <token>)."))
            }
        }
        if parts == ["metrics"] {
            record.method = "stats"
            return only(.GET) {
                var metrics = HTTPAnswer.json(Array(self.metrics().utf8), record)
                metrics.contentType = "text/plain; version=0.0.4; charset=utf-8"
                answer(metrics)
            }
        }
        record.method = "models"
        if metricsOnly {
            record.method = nil
            return refuse(InferenceError(.notFound, "This listener (vaed --metrics) serves /metrics and the health probes only."))
        }
        if parts == ["v2"] {
            record.method = "hello"
            return only(.GET) { answer(.json(V2JSON.serverMetadata(version: engine.version), record)) }
        }
        if parts.count >= 3, parts[0] == "v2", parts[1] == "models", parts.last == "stats" || parts[2] == "stats" {
            record.method = nil
            return refuse(InferenceError(.notFound, "vaed does not implement Triton's statistics extension (it is not "
                                         + "in GET /v2's extensions); GET /metrics has the figures."))
        }
        if parts.count >= 3, parts[0] == "v2", parts[1] == "models" {
            let name = parts[2].removingPercentEncoding
            var action = Array(parts.dropFirst(3)), version: String?
            if action.count >= 2, action[0] == "versions" {
                version = action[1]
                action.removeFirst(2)
            }
            let model: InferenceModel
            do {
                model = try models.model(named: name, version: version)
            } catch {
                record.model = InferenceModel.split(name)?.model
                return refuse(error)
            }
            record.model = model.served.name
            switch action {
            case []:
                return only(.GET) { answer(.json(V2JSON.modelMetadata(model), record)) }
            case ["ready"]:
                return only(.GET) {
                    let ready = engine.isReady
                    let body = JSONValue.object(["name": .string(model.name), "ready": .bool(ready)]).jsonText
                    answer(.json(Array(body.utf8), record,
                                 status: ready ? .ok : .serviceUnavailable))
                }
            case ["config"]:
                return only(.GET) { answer(.json(V2JSON.modelConfig(model, batching: engine.batching), record)) }
            case ["infer"]:
                record.method = model.method.rawValue
                return only(.POST) {
                    self.infer(model, head: head, body: body, mayRunInline: mayRunInline, record: record, answer: answer)
                }
            default:
                break
            }
        }
        record.method = nil
        refuse(InferenceError(.notFound, "No endpoint \(head.method.rawValue) \(path); see Formats/open-inference.md."))
    }

    private func infer(_ model: InferenceModel, head: HTTPRequestHead, body: ByteBuffer, mayRunInline: Bool,
                       record: RequestRecord, answer: @escaping @Sendable (HTTPAnswer) -> Void) {
        var record = record
        let prepared: PreparedInference
        do throws(InferenceError) {
            var headerLength: Int?
            if let text = head.headers.first(name: "inference-header-content-length") {
                guard let length = Int(text.trimmingASCIIWhitespace), length >= 0 else {
                    throw InferenceError(.invalidRequest, "Inference-Header-Content-Length must be a byte count (got '\(text)').")
                }
                headerLength = length
            }
            let request = try body.withUnsafeReadableBytes { bytes throws(InferenceError) in
                try InferRequestDecoding.request(body: bytes, headerLength: headerLength)
            }
            prepared = try model.prepare(request)
        } catch {
            return answer(.failure(error, record))
        }
        record.rows = prepared.request.rows
        engine.submit(prepared.request, mayRunInline: mayRunInline) { [record] result in
            switch result {
            case .success(let value):
                let (body, jsonLength) = V2JSON.inferResponse(prepared.response(for: value))
                var ok = HTTPAnswer.json(body, record)
                if let jsonLength {
                    ok.contentType = "application/octet-stream"
                    ok.headers.append(("Inference-Header-Content-Length", String(jsonLength)))
                }
                answer(ok)
            case .failure(let error):
                answer(.failure(InferenceError(error), record))
            }
        }
    }
}

extension String {
    /// %XX escapes decoded (model names are plain, but clients may escape the dot); unchanged when malformed.
    fileprivate var removingPercentEncoding: String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var utf8 = Array(self.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
