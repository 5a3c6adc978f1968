#if canImport(Glibc)
import Glibc
#endif

/// A value behind a pthread mutex: the engine's lock for state that several threads share.
///
/// Not `Synchronization.Mutex`: on Linux that locks with futex calls ThreadSanitizer does not see, so every access it
/// guards is reported as a race (`Tools/sanitize thread` found dozens in the statistics); pthread mutexes are
/// intercepted, so a TSan run checks the real locking. (SwiftNIO's `NIOLock` is the same thing; the engine does not
/// import NIO.)
package final class LockedValue<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    package init(_ value: Value) {
        self.value = value
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
