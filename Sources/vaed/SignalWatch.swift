import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Logging

/// The signals swift-service-lifecycle does not handle: SIGHUP reloads; a second SIGTERM or SIGINT (the first
/// starts the graceful drain) exits at once.
final class SignalWatch {
    private let sources: [any DispatchSourceSignal]

    /// - Parameter socketPath: the socket file to remove on a forced exit (nil when systemd owns it).
    init(socketPath: String?, logger: Logger, reload: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "vaed.signals")
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        hangup.setEventHandler {
            logger.info("SIGHUP: reloading models")
            reload()
        }
        var sources: [any DispatchSourceSignal] = [hangup]
        let seen = ManagedAtomicCounter()
        for number in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                // Signals that arrive before the handler runs are merged into one call; `data` counts them.
                guard seen.add(Int(source.data)) >= 2 else { return }
                logger.warning("second signal: exiting without draining")
                if let socketPath { unlink(socketPath) }
                // _exit, not exit: the compute threads are still running, and exit's static destructors (oneDNN's
                // among them) would pull state from under them (a SIGSEGV instead of status 130).
                _exit(130)
            }
            sources.append(source)
        }
        for source in sources { source.resume() }
        self.sources = sources
    }

    deinit {
        for source in sources { source.cancel() }
    }
}

/// A count touched only on the signal queue.
private final class ManagedAtomicCounter: @unchecked Sendable {
    private var value = 0
    func add(_ count: Int) -> Int {
        value += count
        return value
    }
}
