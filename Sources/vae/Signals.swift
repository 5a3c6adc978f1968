import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The signals `vae train` acts on, taken by a thread of their own with sigwait(3).
///
/// They are blocked in the training threads, so no handler ever runs on top of a GEMM: an asynchronous handler
/// there was seen to end in heap corruption inside oneDNN (about one Ctrl-C in twenty). SIGINT and SIGTERM: the
/// first asks the trainer to stop at the next batch and write a checkpoint (the command then exits 130); a second
/// exits at once with 130, the shell's status for an interrupt. SIGWINCH: the terminal's width is read again.
enum TrainingSignals {
    private static let watched = [SIGINT, SIGTERM, SIGWINCH]

    /// Blocks the signals in this thread (and the threads it starts later: GEMM's) and starts the thread that
    /// takes them. Call it once, before any other thread starts.
    static func start() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let thread = Thread {
            var set = signalSet()
            // Foundation starts its threads with nothing blocked; sigwait wants the signals blocked.
            pthread_sigmask(SIG_BLOCK, &set, nil)
            while true {
                var number: Int32 = 0
                guard sigwait(&set, &number) == 0 else { continue }
                if number == SIGWINCH {
                    windowChanged.store(true, ordering: .relaxed)
                } else if stopSignalCount.add(1, ordering: .relaxed).newValue >= 2 {
                    _exit(130)
                }
            }
        }
        thread.name = "vae.signals"
        thread.start()
    }

    /// Whether SIGINT or SIGTERM has arrived.
    static var stopRequested: Bool { stopSignalCount.load(ordering: .relaxed) > 0 }

    /// Whether the terminal's size may have changed since the last call (true on the first).
    static func takeWindowChange() -> Bool { windowChanged.exchange(false, ordering: .relaxed) }

    private static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for number in watched { sigaddset(&set, number) }
        return set
    }
}

private let stopSignalCount = Atomic<Int>(0)
private let windowChanged = Atomic<Bool>(true)
