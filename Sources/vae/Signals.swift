#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Runs `handler` on `number`, with SA_RESTART: system calls it interrupts continue rather than fail with EINTR.
func setSignalHandler(_ number: Int32, _ handler: @convention(c) (Int32) -> Void) {
    var action = sigaction()
    action.__sigaction_handler.sa_handler = handler
    action.sa_flags = SA_RESTART
    sigemptyset(&action.sa_mask)
    sigaction(number, &action, nil)
}

/// Unblocks `signals` on the calling thread (and the threads it starts later).
func unblock(_ signals: [Int32]) {
    var set = sigset_t()
    sigemptyset(&set)
    for number in signals { sigaddset(&set, number) }
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}
