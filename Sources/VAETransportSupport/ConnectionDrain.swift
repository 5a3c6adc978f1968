import Logging
import NIOConcurrencyHelpers
import NIOCore
import VAEServing

/// A listener's open connections, bounded by `limit`, and how they are drained at shutdown. Each transport owns
/// one; the connection limit applies per listener.
package final class OpenConnections: Sendable {
    private let open = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
    package let limit: Int

    package init(limit: Int) { self.limit = limit }

    /// Counts `channel` in until it closes; false (and not counted) when `limit` connections are open.
    package func admit(_ channel: any Channel, onClose: @escaping @Sendable () -> Void) -> Bool {
        let key = ObjectIdentifier(channel)
        let admitted = open.withLockedValue { open in
            guard open.count < limit else { return false }
            open[key] = channel
            return true
        }
        guard admitted else { return false }
        channel.closeFuture.whenComplete { _ in
            self.open.withLockedValue { _ = $0.removeValue(forKey: key) }
            onClose()
        }
        return true
    }

    package var count: Int { open.withLockedValue { $0.count } }

    /// Waits until `drained` (the quiescing helper saw every connection close). At `timeout` what is still queued
    /// is answered `shutting_down`; each connection then closes by itself once its answers are written, and one
    /// that has not within `closingGrace` (a client that stopped reading) is closed.
    package func drain(until drained: EventLoopFuture<Void>, timeout: Duration, engine: ServingEngine, logger: Logger,
                       closingGrace: Duration = .seconds(1)) async {
        await withTaskGroup(of: Void.self) { group in
            // Not cancellable (a future): it ends when the last connection closes, which the other task ensures.
            group.addTask { try? await drained.get() }
            group.addTask {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }  // drained in time
                logger.warning("drain timeout: answering queued work with shutting_down",
                               metadata: ["connections": "\(self.count)"])
                engine.abandonQueued()
                guard (try? await Task.sleep(for: closingGrace)) != nil else { return }  // all closed by then
                for channel in self.open.withLockedValue({ Array($0.values) }) { channel.close(promise: nil) }
            }
            await group.next()
            group.cancelAll()
        }
    }
}
