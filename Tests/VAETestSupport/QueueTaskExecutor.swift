import Dispatch

/// Runs tasks on a serial dispatch queue instead of Swift's cooperative pool.
///
/// Many tests wait synchronously (for a child process, a semaphore); with two cores they can hold every thread of
/// the cooperative pool for seconds, and a task that a test depends on — an engine's `run()` — would not start.
/// A task that prefers this executor starts and resumes on the queue, whatever the pool is doing.
package final class QueueTaskExecutor: TaskExecutor {
    private let queue: DispatchQueue

    package init(label: String = "test.task-executor") {
        queue = DispatchQueue(label: label)
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
