import NIOConcurrencyHelpers
import NIOPosix
import VAEProtocol

/// Runs method handlers on a fixed set of compute threads, off the event loop, so a large request does not stall
/// the sockets. Each job borrows one handler (handlers keep per-thread workspaces) and gives it back.
final class HandlerPool: Sendable {
    /// A handler, owned by at most one job at a time (the free list's lock hands it over).
    final class Slot: @unchecked Sendable {
        let handler: MethodHandler
        init(_ handler: MethodHandler) { self.handler = handler }
    }

    let threadPool: NIOThreadPool
    private let free: NIOLockedValueBox<[Slot]>
    private let drainingFlag = NIOLockedValueBox(false)

    init(models: [ServedModel], limits: ServerLimits, threads: Int, control: (any ServerControl & Sendable)?) {
        threadPool = NIOThreadPool(numberOfThreads: threads)
        threadPool.start()
        free = NIOLockedValueBox((0..<threads).map { _ in
            let handler = MethodHandler(models: models, limits: limits)
            handler.control = control
            return Slot(handler)
        })
    }

    var draining: Bool {
        get { drainingFlag.withLockedValue { $0 } }
        set { drainingFlag.withLockedValue { $0 = newValue } }
    }

    /// The response line for one request line (nil when nothing is owed), and what each request in it was.
    func respond(to line: [UInt8]) async throws -> (response: [UInt8]?, records: [RequestRecord]) {
        let draining = self.draining
        return try await threadPool.runIfActive { [free] in
            let slot = free.withLockedValue { $0.popLast()! }
            defer { free.withLockedValue { $0.append(slot) } }
            var records: [RequestRecord] = []
            slot.handler.draining = draining
            slot.handler.record = { records.append($0) }
            defer { slot.handler.record = nil }
            let response = slot.handler.respond(toLine: line)
            return (response, records)
        }
    }

    func shutdown() async throws {
        try await threadPool.shutdownGracefully()
    }
}
