import VAEJSON
import VAEProtocol
import VAEServing

/// Answers protocol v1 request lines (line-delimited JSON-RPC 2.0, Formats/protocol.md) through a serving engine:
/// parses a line, decodes each request, submits it, and writes each result or error as a response object.
/// Free of any socket, so the line transport and tests share it.
package final class LineResponder: Sendable {
    package let engine: ServingEngine
    /// Longest accepted line, without its ending.
    package let maxLineBytes: Int
    private let decoder: RPCCallDecoder
    private let writer: ResultWriter

    package init(engine: ServingEngine, maxLineBytes: Int = 1 << 20) {
        self.engine = engine
        self.maxLineBytes = maxLineBytes
        decoder = RPCCallDecoder(engine: engine)
        writer = ResultWriter(maxLineBytes: maxLineBytes, statistics: engine.statistics)
    }

    /// Starts answering one line (without its line ending). `deliver` is called exactly once, on some thread, with
    /// the response line (nil when nothing is owed: a blank line, a notification, a batch of notifications) and
    /// what each request was.
    /// - Parameter mayRunInline: a small job may run on this thread when the engine is idle.
    package func answer(_ line: UnsafeBufferPointer<UInt8>, mayRunInline: Bool = false,
                       deliver: @escaping @Sendable (_ line: [UInt8]?, _ records: [RequestRecord]) -> Void) {
        guard line.count <= maxLineBytes else {
            let error = RPCError.lineTooLong(limit: maxLineBytes)
            return deliver(RPCResponse.failure(id: .null, error), [RequestRecord(errorType: error.type.rawValue)])
        }
        switch RPCIncoming.parse(line: line) {
        case .empty:
            deliver(nil, [])
        case .single(let parsed):
            answer(parsed, mayRunInline: mayRunInline) { response, record in
                guard var response else { return deliver(nil, [record]) }
                response.append(0x0A)
                deliver(response, [record])
            }
        case .batch(let requests):
            let line = LineAnswer(count: requests.count, deliver: deliver)
            for (index, parsed) in requests.enumerated() {
                answer(parsed, mayRunInline: false) { line.finish(index, answer: $0, record: $1) }
            }
        }
    }

    /// Answers one request: `finish` gets its response object (nil for a notification) and its record.
    private func answer(_ parsed: Result<RPCRequest, RPCFailure>, mayRunInline: Bool,
                        finish: @escaping @Sendable ([UInt8]?, RequestRecord) -> Void) {
        let request: RPCRequest
        switch parsed {
        case .failure(let failure):
            // An unreadable request is still answered (under its id, or null), so it is never a notification.
            return finish(Self.failure(id: failure.id, failure.error), RequestRecord(errorType: failure.error.type.rawValue))
        case .success(let valid):
            request = valid
        }
        let call: RPCCall
        var record = RequestRecord()
        do {
            call = try decoder.call(for: request, draining: engine.isDraining, record: &record)
        } catch {
            record.errorType = error.type.rawValue
            return finish(request.id.map { Self.failure(id: $0, error) }, record)
        }
        let writer = self.writer
        engine.submit(call.request, mayRunInline: mayRunInline) { result in
            var record = call.record
            guard let id = call.id else {
                if case .failure(let error) = result { record.errorType = RPCError(error).type.rawValue }
                return finish(nil, record)
            }
            switch result {
            case .success(let value):
                // Sized for the whole answer, so a large one is not copied as it grows.
                var w = JSONWriter(capacity: 256 + call.answerBytes)
                RPCResponse.writeSuccess(id: id, into: &w) { writer.write(value, for: call, into: &$0) }
                finish(w.bytes, record)
            case .failure(let error):
                let rpcError = RPCError(error)
                record.errorType = rpcError.type.rawValue
                finish(Self.failure(id: id, rpcError), record)
            }
        }
    }

    private static func failure(id: RPCID, _ error: RPCError) -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        RPCResponse.writeFailure(id: id, error, into: &writer)
        return writer.bytes
    }
}

extension LineResponder {
    /// The response line for one request line (nil when nothing is owed), waiting for the engine, which must be
    /// running. For tests and tools; the line transport answers without waiting.
    package func respond(toLine line: [UInt8]) async -> [UInt8]? {
        await withCheckedContinuation { continuation in
            line.withUnsafeBufferPointer { answer($0) { response, _ in continuation.resume(returning: response) } }
        }
    }
}
