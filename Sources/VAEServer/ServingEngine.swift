import Dispatch
import NIOConcurrencyHelpers
import VAEJSON
import VAEProtocol

/// Answers request lines from every connection: cheap methods at once, model work through the batch scheduler,
/// reloads on a thread of their own (so neither the sockets nor the compute threads wait for file reads).
final class ServingEngine: Sendable {
    let handler: MethodHandler
    let scheduler: BatchScheduler
    private let reloads = DispatchQueue(label: "vaed.reload")
    private let drainingFlag = NIOLockedValueBox(false)

    init(handler: MethodHandler, scheduler: BatchScheduler) {
        self.handler = handler
        self.scheduler = scheduler
    }

    /// Set once shutdown begins: model methods are then answered with `shutting_down`.
    var draining: Bool {
        get { drainingFlag.withLockedValue { $0 } }
        set { drainingFlag.withLockedValue { $0 = newValue } }
    }

    /// Starts answering one line. `deliver` is called exactly once, on some thread, with the response line (nil when
    /// nothing is owed) and what each request was.
    /// - Parameter mayRunInline: a small job may run on this thread when the compute threads are idle.
    func answer(_ line: UnsafeBufferPointer<UInt8>, mayRunInline: Bool = false,
                deliver: @escaping @Sendable ([UInt8]?, [RequestRecord]) -> Void) {
        let prepared = handler.prepare(line: line, draining: draining)
        guard !prepared.requests.isEmpty else { return deliver(nil, []) }
        let answer = LineAnswer(prepared, deliver: deliver)
        for (index, request) in prepared.requests.enumerated() {
            switch request.work {
            case .answered(let bytes):
                answer.finish(index, answer: bytes, id: request.id)
            case .compute(let job, _, _):
                let refusal = scheduler.submit(job, mayRunInline: mayRunInline && prepared.requests.count == 1) { job, error in
                    answer.finish(index, answer: request.response(for: job, error: error), id: request.id,
                                  errorType: error?.type.rawValue)
                }
                if let refusal {
                    answer.finish(index, answer: request.response(for: job, error: refusal), id: request.id,
                                  errorType: refusal.type.rawValue)
                }
            case .reload:
                let handler = self.handler
                reloads.async {
                    let (bytes, error) = handler.reloadResponse(id: request.id)
                    answer.finish(index, answer: bytes, id: request.id, errorType: error?.type.rawValue)
                }
            }
        }
    }

    /// Runs a reload as if a client had asked (SIGHUP, a changed model directory), in turn with other reloads.
    func reloadInBackground() {
        let handler = self.handler
        reloads.async { _ = handler.reloadResponse(id: nil) }
    }
}

extension MethodHandler {
    /// The response object of a `reload` request, and its error if it failed.
    func reloadResponse(id: RPCID?) -> (bytes: [UInt8], error: RPCError?) {
        var body = JSONWriter(capacity: 256), writer = JSONWriter(capacity: 256)
        do throws(RPCError) {
            guard let control else { throw RPCError.internalError("reload is not available in this server.") }
            try control.reload(into: &body)
            RPCResponse.writeSuccess(id: id ?? .null, into: &writer) { $0.raw(bytes: body.bytes) }
            return (writer.bytes, nil)
        } catch {
            RPCResponse.writeFailure(id: id ?? .null, error, into: &writer)
            return (writer.bytes, error)
        }
    }
}
