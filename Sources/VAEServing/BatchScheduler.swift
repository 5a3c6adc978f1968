#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How the compute threads gather work into batches.
package struct BatchingConfiguration: Sendable {
    /// Most rows (images or codes) in one GEMM batch; 1 turns batching off.
    package var maxBatchRows: Int
    /// Longest a started batch waits for more rows while requests are still on their way; 0 never waits.
    package var window: Duration
    /// Most rows queued per model; beyond it requests are refused with `overloaded`.
    package var maxQueueRows: Int
    package var threads: Int
    /// Jobs of at most this many rows run on the submitting thread when every compute thread is idle and nothing
    /// is queued (0: never): there is nothing to batch them with, and waking a sleeping thread costs more than the
    /// work.
    package var inlineRows: Int

    package init(maxBatchRows: Int = 256, window: Duration = .microseconds(200), maxQueueRows: Int = 4096, threads: Int = 1,
                inlineRows: Int = 2) {
        self.maxBatchRows = maxBatchRows
        self.window = window
        self.maxQueueRows = maxQueueRows
        self.threads = threads
        self.inlineRows = inlineRows
    }

    /// `window` in whole microseconds, as batching configurations elsewhere (Triton's) state it.
    package var windowMicroseconds: Int {
        Int(window.components.seconds * 1_000_000 + window.components.attoseconds / 1_000_000_000_000)
    }
}

/// Dynamic batching: jobs for the same model from every transport are queued together, and each compute thread
/// takes up to `maxBatchRows` rows at a time, splitting a large job and joining small ones.
///
/// A batch goes as soon as it is full, or when no more requests are on their way (no transport is still handing
/// over the messages of a read), or when `window` has passed since its oldest row was queued. So a lone request is
/// not delayed, and under load the batches grow with the queue.
///
/// Every mutable field below is guarded by `condition`'s lock, which belongs to this class alone; queue entries
/// (a job's row bookkeeping and completion) are private to it. Compute threads run from `start()` to `stop()`.
final class BatchScheduler: @unchecked Sendable {
    typealias Completion = @Sendable (ComputeJob, ServingError?) -> Void

    /// A queued job, its rows handed out so far, and who to tell when the last is computed.
    private final class Entry {
        let job: ComputeJob
        let enqueued = ContinuousClock.now
        var nextRow = 0
        var rowsLeft: Int
        var completion: Completion?

        init(_ job: ComputeJob, completion: @escaping Completion) {
            self.job = job
            rowsLeft = job.count
            self.completion = completion
        }

        /// Runs the completion once and lets go of it (it may hold the request, which holds the job).
        func complete(_ error: ServingError?) {
            let completion = self.completion
            self.completion = nil
            completion?(job, error)
        }
    }

    /// A model's queue: entries in arrival order, the first possibly part-taken, and its model's instruments.
    private struct Queue {
        let instruments: ModelInstruments
        var entries: [Entry] = []
        var head = 0
        var rows = 0
        var isEmpty: Bool { head == entries.count }
    }

    /// Rows of one entry taken into a batch.
    private struct Taken {
        let entry: Entry
        let rows: Range<Int>
    }

    let configuration: BatchingConfiguration
    private let condition = ThreadCondition()
    private var queues: [ObjectIdentifier: Queue] = [:]
    private var arriving = 0
    private var windowWaiters = 0
    private var started = false
    private var stopping = false
    private var running = 0
    private var whenStopped: [@Sendable () -> Void] = []
    /// Compute threads asleep waiting for work.
    private var idle = 0
    /// Executors for inline jobs, lent to the submitting thread one at a time.
    private var inlineExecutors: [BatchExecutor] = []
    private let deliver: @Sendable (() -> Void) -> Void
    private var servedModels = Set<ObjectIdentifier>()
    private var servedGeneration = 0
    // Statistics: the served models' instruments are looked up when they are served, not per job.
    private let statistics: ServingStatistics
    private var servedInstruments: [ObjectIdentifier: ModelInstruments] = [:]
    private var batchSizes = [Int](repeating: 0, count: ServingStatistics.sizeBuckets.count)
    private var rowsComputed = 0
    private var computeSeconds = 0.0

    /// - Parameters:
    ///   - statistics: where queue waits, compute times and batch sizes are recorded.
    ///   - deliver: runs the completions of one finished batch (so a transport can gather the hops they make, one
    ///     per event loop).
    init(configuration: BatchingConfiguration, statistics: ServingStatistics = ServingStatistics(),
         deliver: @escaping @Sendable (() -> Void) -> Void = { $0() }) {
        precondition(configuration.maxBatchRows >= 1 && configuration.threads >= 1)
        self.configuration = configuration
        self.statistics = statistics
        self.deliver = deliver
    }

    // MARK: Lifetime

    /// Starts the compute threads (once).
    func start() {
        condition.lock()
        precondition(!started, "the scheduler was started twice")
        started = true
        running = configuration.threads
        condition.unlock()
        for index in 0..<configuration.threads {
            // Each thread holds the scheduler until it leaves work().
            ThreadCondition.startThread(named: "vaed-compute-\(index)") { self.work() }
        }
    }

    /// Refuses new jobs, lets the compute threads finish what is queued, and returns when the last has left. Jobs
    /// queued on a scheduler that never started are answered `shuttingDown`.
    func stop() async {
        condition.lock()
        stopping = true
        condition.broadcast()
        let neverStarted = !started
        condition.unlock()
        if neverStarted { return abandonQueued(with: .shuttingDown) }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            guard running > 0 else {
                condition.unlock()
                return continuation.resume()
            }
            whenStopped.append { continuation.resume() }
            condition.unlock()
        }
    }

    // MARK: Arrivals

    /// A transport started handing over the messages of a read: a started batch may wait for them.
    func readingStarted() {
        condition.lock()
        arriving += 1
        condition.unlock()
    }

    /// The transport that called `readingStarted()` has handed over every message of its read.
    func readingFinished() {
        condition.lock()
        arriving -= 1
        if arriving == 0 && windowWaiters > 0 { condition.broadcast() }
        condition.unlock()
    }

    /// Queues a job (or, when the scheduler is idle and the job small, runs it at once on this thread), or refuses
    /// it. `completion` is called once: on this thread for an inline job, else on a compute thread.
    /// - Returns: nil when queued or done, else the refusal (`overloaded`, or `shuttingDown`); `completion` is then
    ///   not called.
    /// - Parameter mayRunInline: the caller can afford to run a small job itself (the first message of a read, not
    ///   the tail of a pipelined burst that is better batched).
    func submit(_ job: ComputeJob, mayRunInline: Bool = false, completion: @escaping Completion) -> ServingError? {
        condition.lock()
        if stopping {
            condition.unlock()
            return .shuttingDown
        }
        if mayRunInline, job.count <= configuration.inlineRows, queues.isEmpty, started, idle == configuration.threads,
            arriving <= 1
        {
            let executor = inlineExecutors.popLast() ?? BatchExecutor(capacity: max(configuration.inlineRows, 1))
            if executor.generation != servedGeneration {
                executor.generation = servedGeneration
                executor.forget(allBut: servedModels)
            }
            let instruments = instruments(for: job.model)
            condition.unlock()
            let started = ContinuousClock.now
            executor.run([JobSlice(job: job, rows: 0..<job.count)])
            let computed = ContinuousClock.now - started
            condition.lock()
            inlineExecutors.append(executor)
            if let bucket = ServingStatistics.bucket(of: job.count) { batchSizes[bucket] += 1 }
            condition.unlock()
            // It waited for no queue.
            instruments.queueWait[job.method]?.record(duration: .zero)
            instruments.compute.record(duration: computed)
            instruments.batchRows.record(job.count)
            completion(job, nil)
            return nil
        }
        defer { condition.unlock() }
        let key = ObjectIdentifier(job.model)
        let queued = queues[key]?.rows ?? 0
        if queued > 0 && queued + job.count > configuration.maxQueueRows {
            return .overloaded(retryAfterMilliseconds: retryAfterMilliseconds(queuedRows: queued))
        }
        if queues[key] == nil { queues[key] = Queue(instruments: instruments(for: job.model)) }
        queues[key]!.entries.append(Entry(job, completion: completion))
        queues[key]!.rows += job.count
        condition.signal()
        if windowWaiters > 0 { condition.broadcast() }
        return nil
    }

    /// The models being served now: compute threads drop the workspaces of others.
    func serving(_ models: [ServedModel]) {
        let instruments = models.map { (ObjectIdentifier($0), statistics.instruments(forModel: $0.name)) }
        condition.lock()
        servedModels = Set(models.map(ObjectIdentifier.init))
        servedInstruments = Dictionary(instruments, uniquingKeysWith: { first, _ in first })
        servedGeneration += 1
        condition.unlock()
    }

    /// A model's instruments: from the served models', else (a model a reload replaced, with jobs still queued)
    /// from the statistics. Called with the lock held.
    private func instruments(for model: ServedModel) -> ModelInstruments {
        servedInstruments[ObjectIdentifier(model)] ?? statistics.instruments(forModel: model.name)
    }

    /// Rows waiting, per model name, and batches run so far by size bucket.
    func figures() -> (queuedRows: [String: Int], batchSizes: [Int]) {
        condition.lock()
        defer { condition.unlock() }
        var rows: [String: Int] = [:]
        for queue in queues.values where !queue.isEmpty {
            rows[queue.entries[queue.head].job.model.name, default: 0] += queue.rows
        }
        return (rows, batchSizes)
    }

    /// Answers every queued job not yet started with `error` (a drain deadline): nothing queued is left unanswered.
    /// A part-taken job finishes on its threads.
    func abandonQueued(with error: ServingError) {
        condition.lock()
        var abandoned: [Entry] = []
        for key in Array(queues.keys) {
            let queue = queues[key]!
            let waiting = queue.entries[queue.head...]
            abandoned += waiting.filter { $0.nextRow == 0 }
            let kept = waiting.filter { $0.nextRow > 0 }
            queues[key] = kept.isEmpty
                ? nil
                : Queue(instruments: queue.instruments, entries: Array(kept), head: 0,
                        rows: kept.reduce(0) { $0 + $1.job.count - $1.nextRow })
        }
        condition.unlock()
        for entry in abandoned { entry.complete(error) }
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
            guard let instruments = queues[key]?.instruments else { continue }
            let taken = takeBatch(from: key)
            if executor.generation != servedGeneration {
                executor.generation = servedGeneration
                executor.forget(allBut: servedModels)
            }
            condition.unlock()

            let started = ContinuousClock.now
            executor.run(taken.map { JobSlice(job: $0.entry.job, rows: $0.rows) })
            let computed = ContinuousClock.now - started
            let seconds = computed.inSeconds
            let rows = taken.reduce(0) { $0 + $1.rows.count }
            record(taken, rows: rows, started: started, computed: computed, into: instruments)

            condition.lock()
            if let bucket = ServingStatistics.bucket(of: rows) { batchSizes[bucket] += 1 }
            rowsComputed += rows
            computeSeconds += seconds
            var finished: [Entry] = []
            for part in taken {
                part.entry.rowsLeft -= part.rows.count
                if part.entry.rowsLeft == 0 { finished.append(part.entry) }
            }
            condition.unlock()
            deliver { for entry in finished { entry.complete(nil) } }
            condition.lock()
        }
        running -= 1
        let stopped = running == 0 ? whenStopped : []
        if running == 0 { whenStopped = [] }
        condition.unlock()
        for resume in stopped { resume() }
    }

    /// A batch's figures: each job whose first rows it took waited from its submission to `started`.
    private func record(_ taken: [Taken], rows: Int, started: ContinuousClock.Instant, computed: Duration,
                        into instruments: ModelInstruments) {
        for part in taken where part.rows.lowerBound == 0 {
            instruments.queueWait[part.entry.job.method]?.record(duration: started - part.entry.enqueued)
        }
        instruments.compute.record(duration: computed)
        instruments.batchRows.record(rows)
    }

    /// The queue whose oldest job has waited longest.
    private func nextQueue() -> ObjectIdentifier? {
        var best: (key: ObjectIdentifier, since: ContinuousClock.Instant)?
        for (key, queue) in queues where !queue.isEmpty {
            let since = queue.entries[queue.head].enqueued
            if best == nil || since < best!.since { best = (key, since) }
        }
        return best?.key
    }

    /// Holds a started batch open while it is not full and messages are still on their way, up to the window.
    private func waitForMoreRows(in key: ObjectIdentifier) {
        guard configuration.window > .zero, configuration.maxBatchRows > 1, !stopping else { return }
        guard let queue = queues[key] else { return }
        let deadline = queue.entries[queue.head].enqueued + configuration.window
        windowWaiters += 1
        defer { windowWaiters -= 1 }
        while arriving > 0, let queue = queues[key], queue.rows < configuration.maxBatchRows, !stopping {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { break }
            condition.wait(timeout: left)
        }
    }

    /// Takes up to `maxBatchRows` rows from the front of a queue.
    private func takeBatch(from key: ObjectIdentifier) -> [Taken] {
        var queue = queues[key]!
        var taken: [Taken] = []
        var room = configuration.maxBatchRows
        while room > 0, !queue.isEmpty {
            let entry = queue.entries[queue.head]
            let rows = min(room, entry.job.count - entry.nextRow)
            taken.append(Taken(entry: entry, rows: entry.nextRow..<(entry.nextRow + rows)))
            entry.nextRow += rows
            room -= rows
            queue.rows -= rows
            if entry.nextRow == entry.job.count { queue.head += 1 }
        }
        if queue.isEmpty {
            queues[key] = nil
        } else {
            if queue.head > 64 {
                queue.entries.removeFirst(queue.head)
                queue.head = 0
            }
            queues[key] = queue
            condition.signal()  // another thread may take the rest
        }
        return taken
    }

    /// A rough time until the queue has room: queued rows at the measured compute rate.
    private func retryAfterMilliseconds(queuedRows: Int) -> Int {
        let secondsPerRow = rowsComputed > 0 ? computeSeconds / Double(rowsComputed) : 1e-4
        let estimate = Double(queuedRows) * secondsPerRow / Double(configuration.threads) * 1000
        return max(1, Int(estimate.rounded(.up)))
    }
}
