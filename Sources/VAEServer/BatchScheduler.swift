#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOPosix
import VAEProtocol

/// How the compute threads gather work into batches.
public struct BatchingConfiguration: Sendable {
    /// Most rows (images or codes) in one GEMM batch; 1 turns batching off.
    public var maxBatchRows: Int
    /// Longest a started batch waits for more rows while requests are still on their way; 0 never waits.
    public var window: Duration
    /// Most rows queued per model; beyond it requests are refused with `overloaded`.
    public var maxQueueRows: Int
    public var threads: Int
    /// Jobs of at most this many rows run on the submitting thread when every compute thread is idle and nothing
    /// is queued (0: never): there is nothing to batch them with, and waking a sleeping thread costs more than the
    /// work.
    public var inlineRows: Int

    public init(maxBatchRows: Int = 256, window: Duration = .microseconds(200), maxQueueRows: Int = 4096, threads: Int = 1,
                inlineRows: Int = 2) {
        self.maxBatchRows = maxBatchRows
        self.window = window
        self.maxQueueRows = maxQueueRows
        self.threads = threads
        self.inlineRows = inlineRows
    }
}

/// Dynamic batching: jobs for the same model from every connection are queued together, and each compute thread
/// takes up to `maxBatchRows` rows at a time, splitting a large job and joining small ones.
///
/// A batch goes as soon as it is full, or when no more requests are on their way (no event loop is still handing
/// over the lines of a read), or when `window` has passed since its oldest row was queued. So a lone request is not
/// delayed, and under load the batches grow with the queue.
public final class BatchScheduler: @unchecked Sendable {
    /// A model's queue: jobs in arrival order, the first possibly part-taken.
    private struct Queue {
        var jobs: [ComputeJob] = []
        var head = 0
        var rows = 0
        var isEmpty: Bool { head == jobs.count }
    }

    public let configuration: BatchingConfiguration
    private let condition = ThreadCondition()
    private var queues: [ObjectIdentifier: Queue] = [:]
    private var arriving = 0
    private var windowWaiters = 0
    private var stopping = false
    private var running = 0
    /// Compute threads asleep waiting for work.
    private var idle = 0
    private let inlineExecutors = ThreadSpecificVariable<BatchExecutor>()
    private var servedModels = Set<ObjectIdentifier>()
    private var servedGeneration = 0
    // Statistics, under the same lock.
    private var batchSizes = [Int](repeating: 0, count: BatchScheduler.sizeBuckets.count)
    private var rowsComputed = 0
    private var computeSeconds = 0.0

    /// Batch-size buckets reported by `stats`.
    public static let sizeBuckets: [(label: String, range: ClosedRange<Int>)] = [
        ("1", 1...1), ("2-4", 2...4), ("5-16", 5...16), ("17-64", 17...64), ("65-256", 65...256), ("257+", 257...Int.max),
    ]

    public init(configuration: BatchingConfiguration) {
        precondition(configuration.maxBatchRows >= 1 && configuration.threads >= 1)
        self.configuration = configuration
        running = configuration.threads
        for index in 0..<configuration.threads {
            // The scheduler outlives its threads: shutdown() waits until every one has left work().
            ThreadCondition.startThread(named: "vaed-compute-\(index)") { [unowned self] in self.work() }
        }
    }

    // MARK: Arrivals

    /// An event loop started handing over request lines it has read: a started batch may wait for them.
    public func readingStarted() {
        condition.lock()
        arriving += 1
        condition.unlock()
    }

    /// The event loop that called `readingStarted()` has queued or answered every line of its read.
    public func readingFinished() {
        condition.lock()
        arriving -= 1
        if arriving == 0 && windowWaiters > 0 { condition.broadcast() }
        condition.unlock()
    }

    /// Queues a job (or, when the scheduler is idle and the job small, runs it at once on this thread), or refuses
    /// it when its model's queue is full.
    /// - Returns: nil when queued or done, else the error to answer with (`overloaded`, or `shutting_down`).
    /// - Parameter mayRunInline: the caller can afford to run a small job itself (the first line of a read, not the
    ///   tail of a pipelined burst that is better batched).
    public func submit(_ job: ComputeJob, mayRunInline: Bool = false,
                       completion: @escaping @Sendable (ComputeJob, RPCError?) -> Void) -> RPCError? {
        job.completion = completion
        condition.lock()
        if stopping {
            condition.unlock()
            return .shuttingDown
        }
        if mayRunInline, job.count <= configuration.inlineRows, queues.isEmpty, idle == configuration.threads, arriving <= 1 {
            let generation = servedGeneration, served = servedModels
            condition.unlock()
            runInline(job, generation: generation, served: served)
            return nil
        }
        defer { condition.unlock() }
        let key = ObjectIdentifier(job.model)
        let queued = queues[key]?.rows ?? 0
        if queued > 0 && queued + job.count > configuration.maxQueueRows {
            return .overloaded(retryAfterMilliseconds: retryAfterMilliseconds(queuedRows: queued))
        }
        queues[key, default: Queue()].jobs.append(job)
        queues[key]!.rows += job.count
        condition.signal()
        if windowWaiters > 0 { condition.broadcast() }
        return nil
    }

    /// The models being served now: compute threads drop the workspaces of others.
    public func serving(_ models: [ServedModel]) {
        condition.lock()
        servedModels = Set(models.map(ObjectIdentifier.init))
        servedGeneration += 1
        condition.unlock()
    }

    /// Rows waiting, per model name.
    public func queuedRows() -> [String: Int] {
        condition.lock()
        defer { condition.unlock() }
        var rows: [String: Int] = [:]
        for queue in queues.values where !queue.isEmpty { rows[queue.jobs[queue.head].model.name, default: 0] += queue.rows }
        return rows
    }

    /// Batches run so far, by size bucket.
    public func batchSizeCounts() -> [Int] {
        condition.lock()
        defer { condition.unlock() }
        return batchSizes
    }

    /// Answers every queued job with `error` (shutdown's deadline): nothing queued is left unanswered.
    public func abandonQueued(with error: RPCError) {
        condition.lock()
        var abandoned: [ComputeJob] = []
        for key in Array(queues.keys) {
            let queue = queues[key]!
            for job in queue.jobs[queue.head...] where job.nextRow == 0 { abandoned.append(job) }
            // A part-taken job finishes on its threads; the rest of it is still computed.
            let kept = queue.jobs[queue.head...].filter { $0.nextRow > 0 }
            queues[key] = kept.isEmpty ? nil : Queue(jobs: Array(kept), head: 0, rows: kept.reduce(0) { $0 + $1.count - $1.nextRow })
        }
        condition.unlock()
        for job in abandoned { job.complete(error) }
    }

    /// Stops the compute threads after the queued work is done.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    private func runInline(_ job: ComputeJob, generation: Int, served: Set<ObjectIdentifier>) {
        let executor = inlineExecutors.currentValue ?? {
            let executor = BatchExecutor(capacity: max(configuration.inlineRows, 1))
            inlineExecutors.currentValue = executor
            return executor
        }()
        if executor.generation != generation {
            executor.generation = generation
            executor.forget(allBut: served)
        }
        executor.run([JobSlice(job: job, rows: 0..<job.count)])
        condition.lock()
        if let bucket = Self.sizeBuckets.firstIndex(where: { $0.range.contains(job.count) }) { batchSizes[bucket] += 1 }
        job.nextRow = job.count
        job.rowsLeft = 0
        condition.unlock()
        job.complete(nil)
    }

    // MARK: Compute threads

    private func work() {
        let executor = BatchExecutor(capacity: configuration.maxBatchRows)
        condition.lock()
        while true {
            guard let key = nextQueue() else {
                if stopping { break }
                idle += 1
                condition.wait()
                idle -= 1
                continue
            }
            waitForMoreRows(in: key)
            // Another thread may have taken the queue while this one waited.
            guard queues[key] != nil else { continue }
            let slices = takeBatch(from: key)
            if executor.generation != servedGeneration {
                executor.generation = servedGeneration
                executor.forget(allBut: servedModels)
            }
            condition.unlock()

            let started = ContinuousClock.now
            executor.run(slices)
            let seconds = (ContinuousClock.now - started).inSeconds

            condition.lock()
            let rows = slices.reduce(0) { $0 + $1.rows.count }
            if let bucket = Self.sizeBuckets.firstIndex(where: { $0.range.contains(rows) }) { batchSizes[bucket] += 1 }
            rowsComputed += rows
            computeSeconds += seconds
            var finished: [ComputeJob] = []
            for slice in slices {
                slice.job.rowsLeft -= slice.rows.count
                if slice.job.rowsLeft == 0 { finished.append(slice.job) }
            }
            condition.unlock()
            EventLoopBatching.collecting {
                for job in finished { job.complete(nil) }
            }
            condition.lock()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// The queue whose oldest job has waited longest (under the lock).
    private func nextQueue() -> ObjectIdentifier? {
        var best: (key: ObjectIdentifier, since: ContinuousClock.Instant)?
        for (key, queue) in queues where !queue.isEmpty {
            let since = queue.jobs[queue.head].enqueued
            if best == nil || since < best!.since { best = (key, since) }
        }
        return best?.key
    }

    /// Holds a started batch open while it is not full and lines are still on their way, up to the window.
    private func waitForMoreRows(in key: ObjectIdentifier) {
        guard configuration.window > .zero, configuration.maxBatchRows > 1, !stopping else { return }
        guard let queue = queues[key] else { return }
        let deadline = queue.jobs[queue.head].enqueued + configuration.window
        windowWaiters += 1
        defer { windowWaiters -= 1 }
        while arriving > 0, let queue = queues[key], queue.rows < configuration.maxBatchRows, !stopping {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { break }
            condition.wait(timeout: left)
        }
    }

    /// Takes up to `maxBatchRows` rows from the front of a queue (under the lock).
    private func takeBatch(from key: ObjectIdentifier) -> [JobSlice] {
        var queue = queues[key]!
        var slices: [JobSlice] = []
        var room = configuration.maxBatchRows
        while room > 0, !queue.isEmpty {
            let job = queue.jobs[queue.head]
            let rows = min(room, job.count - job.nextRow)
            slices.append(JobSlice(job: job, rows: job.nextRow..<(job.nextRow + rows)))
            job.nextRow += rows
            room -= rows
            queue.rows -= rows
            if job.nextRow == job.count { queue.head += 1 }
        }
        if queue.isEmpty {
            queues[key] = nil
        } else {
            if queue.head > 64 {
                queue.jobs.removeFirst(queue.head)
                queue.head = 0
            }
            queues[key] = queue
            condition.signal()  // another thread may take the rest
        }
        return slices
    }

    /// A rough time until the queue has room: queued rows at the measured compute rate.
    private func retryAfterMilliseconds(queuedRows: Int) -> Int {
        let secondsPerRow = rowsComputed > 0 ? computeSeconds / Double(rowsComputed) : 1e-4
        let estimate = Double(queuedRows) * secondsPerRow / Double(configuration.threads) * 1000
        return max(1, Int(estimate.rounded(.up)))
    }
}
