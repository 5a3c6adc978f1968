#if canImport(Glibc)
import Glibc
#endif

/// A mutex with a condition variable whose timed waits use the monotonic clock, and the compute threads that wait
/// on it.
///
/// The scheduler's threads are plain pthreads rather than Foundation's `Thread` and `NSCondition`: vaed links no
/// Foundation (only FoundationEssentials), which keeps libFoundation and ICU out of its memory.
final class ThreadCondition: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        precondition(pthread_cond_init(condition, &attributes) == 0, "pthread_cond_init failed")
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
    func signal() { pthread_cond_signal(condition) }
    func broadcast() { pthread_cond_broadcast(condition) }

    /// Waits (the lock held) until signalled; may wake spuriously, so callers re-check their condition.
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Waits (the lock held) until signalled or `timeout` has passed.
    func wait(timeout: Duration) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let (seconds, attoseconds) = timeout.components
        var nanoseconds = Int(now.tv_nsec) + Int(attoseconds / 1_000_000_000)
        var deadline = timespec(tv_sec: now.tv_sec + Int(seconds) + nanoseconds / 1_000_000_000, tv_nsec: 0)
        nanoseconds %= 1_000_000_000
        deadline.tv_nsec = nanoseconds
        _ = pthread_cond_timedwait(condition, mutex, &deadline)
    }

    /// Starts a named thread running `body`.
    static func startThread(named name: String, _ body: @escaping @Sendable () -> Void) {
        final class Box { let body: @Sendable () -> Void; init(_ body: @escaping @Sendable () -> Void) { self.body = body } }
        // Linux limits thread names to 15 bytes.
        let shortName = String(decoding: name.utf8.prefix(15), as: UTF8.self)
        var thread = pthread_t()
        let box = Unmanaged.passRetained(Box({ setThreadName(shortName); body() })).toOpaque()
        let result = pthread_create(&thread, nil, { argument in
            let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
    }
}

/// Names the calling thread (seen in top -H, perf and gdb).
private func setThreadName(_ name: String) {
    _ = glibcSetThreadName(pthread_self(), name)
}

// A GNU extension the Glibc module does not export.
@_silgen_name("pthread_setname_np")
private func glibcSetThreadName(_ thread: pthread_t, _ name: UnsafePointer<CChar>) -> Int32
