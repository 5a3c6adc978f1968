import Dispatch
import Foundation
import Synchronization
import Testing
import VAEModel
@testable import VAEServing
import VAETestSupport

/// Collects job completions from the compute threads.
final class Completions: Sendable {
    // A pthread lock, not Synchronization.Mutex, which ThreadSanitizer does not see (Tools/sanitize thread).
    private let errors = LockedValue<[ObjectIdentifier: ServingError?]>([:])
    private let done = DispatchSemaphore(value: 0)

    var callback: @Sendable (ComputeJob, ServingError?) -> Void {
        { job, error in
            self.errors.withLock { $0[ObjectIdentifier(job)] = .some(error) }
            self.done.signal()
        }
    }

    /// Waits for `count` completions, at most `seconds` each.
    func wait(_ count: Int, seconds: Double = 10) -> Bool {
        (0..<count).allSatisfy { _ in done.wait(timeout: .now() + seconds) == .success }
    }

    func error(of job: ComputeJob) -> ServingError?? { errors.withLock { $0[ObjectIdentifier(job)] } }
}

/// Runs `body` with a started scheduler, and stops it (letting queued work finish) afterwards.
func withScheduler(_ configuration: BatchingConfiguration, _ body: (BatchScheduler) throws -> Void) async throws {
    let scheduler = BatchScheduler(configuration: configuration)
    scheduler.start()
    do {
        try body(scheduler)
    } catch {
        await scheduler.stop()
        throw error
    }
    await scheduler.stop()
}

@Suite("Batch scheduler: splitting, joining, backpressure, shutdown")
struct BatchSchedulerTests {
    /// Jobs of every stage and several sizes, with inputs that differ per job.
    func mixedJobs(_ model: ServedModel, count: Int) -> [ComputeJob] {
        (0..<count).map { i in
            let rows = 1 + i % 7
            switch i % 3 {
            case 0:
                return ComputeJob(model: model, stage: .encode, input: (0..<(rows * model.pixelCount)).map { Float(($0 + i) % 11) / 10 }, count: rows)
            case 1:
                return ComputeJob(model: model, stage: .denoise, input: (0..<(rows * model.pixelCount)).map { Float(($0 * 3 + i) % 7) / 6 }, count: rows)
            default:
                return ComputeJob(model: model, stage: .decode, input: (0..<(rows * model.zDim)).map { Float(($0 + i) % 5) - 2 }, count: rows)
            }
        }
    }

    @Test func batchedResultsMatchOneJobAtATime() async throws {
        let model = try servedModel("m", kind: .vae)
        let jobs = mixedJobs(model, count: 60)
        // Small batches force large jobs to be split and small ones joined; the window holds the first batch open
        // while the "line" announced below is on its way, so batches do gather several jobs. 4 rows is the top of a
        // stats bucket, so the bucket counts show whether any batch exceeded it.
        try await withScheduler(.init(maxBatchRows: 4, window: .milliseconds(50), maxQueueRows: 10_000, threads: 2)) { scheduler in
            let completions = Completions()
            scheduler.readingStarted()
            for job in jobs { #expect(scheduler.submit(job, completion: completions.callback) == nil) }
            scheduler.readingFinished()
            #expect(completions.wait(jobs.count))

            let reference = BatchExecutor(capacity: 16)
            for job in jobs {
                #expect(completions.error(of: job) == .some(nil))
                let alone = ComputeJob(model: model, stage: job.stage, input: job.input, count: job.count)
                reference.run([JobSlice(job: alone, rows: 0..<alone.count)])
                let (batched, single) = job.stage == .encode ? (job.head, alone.head) : (job.pixels.floats, alone.pixels.floats)
                let check = agreement(batched, single, within: Tolerance.batching)
                #expect(check.holds, "job of \(job.count) rows (\(job.stage)): \(check)")
            }
            // Without joining, every batch would hold rows of one job only, so each job would need its own
            // ⌈rows / 4⌉ batches: fewer batches in all means some batch carried rows of several jobs.
            let sizes = scheduler.figures().batchSizes
            let batches = sizes.reduce(0, +), unjoined = jobs.reduce(0) { $0 + ($1.count + 3) / 4 }
            #expect(batches < unjoined, "some batch joined rows of several jobs: \(batches) batches, \(unjoined) without joining (\(sizes))")
            #expect(sizes[2...].allSatisfy { $0 == 0 }, "no batch exceeds 4 rows: \(sizes)")
        }
    }

    @Test func aFullQueueAnswersOverloadedAtOnce() async throws {
        let model = try servedModel("m", kind: .vae)
        try await withScheduler(.init(maxBatchRows: 8, window: .seconds(5), maxQueueRows: 4, threads: 1)) { scheduler in
            let completions = Completions()
            scheduler.readingStarted()  // holds the batch open
            let first = ComputeJob(model: model, stage: .decode, input: [Float](repeating: 0, count: 3 * model.zDim), count: 3)
            let second = ComputeJob(model: model, stage: .decode, input: [Float](repeating: 0, count: 2 * model.zDim), count: 2)
            #expect(scheduler.submit(first, completion: completions.callback) == nil)
            let refusal = try #require(scheduler.submit(second, completion: completions.callback))
            guard case .overloaded(let retry) = refusal else { Issue.record("refused with \(refusal)"); return }
            #expect(retry >= 1)
            #expect(scheduler.figures().queuedRows == ["m": 3])
            scheduler.readingFinished()
            #expect(completions.wait(1))
            #expect(completions.error(of: first) == .some(nil))
        }
    }

    @Test func abandonedWorkIsAnsweredShuttingDown() async throws {
        let model = try servedModel("m", kind: .ae)
        // Room for every row in one batch, so the window (not a full batch) decides when it goes.
        try await withScheduler(.init(maxBatchRows: 64, window: .seconds(5), maxQueueRows: 100, threads: 1)) { scheduler in
            let completions = Completions()
            scheduler.readingStarted()
            let jobs = mixedJobs(model, count: 4)
            for job in jobs { #expect(scheduler.submit(job, completion: completions.callback) == nil) }
            scheduler.abandonQueued(with: .shuttingDown)
            #expect(completions.wait(jobs.count))
            for job in jobs { #expect(completions.error(of: job) == .some(.shuttingDown)) }
            #expect(scheduler.figures().queuedRows.isEmpty)
            scheduler.readingFinished()
        }
    }

    /// A job decoding `rows` codes of zeros.
    func decodeJob(_ model: ServedModel, rows: Int) -> ComputeJob {
        ComputeJob(model: model, stage: .decode, input: [Float](repeating: 0, count: rows * model.zDim), count: rows)
    }

    @Test func aStartedBatchWaitsForMoreRowsUntilItIsFullOrNoneAreOnTheirWay() async throws {
        let model = try servedModel("m", kind: .vae)
        // A window far longer than the test: only a full batch or the end of the arrivals can end the wait.
        try await withScheduler(.init(maxBatchRows: 8, window: .seconds(600), maxQueueRows: 100, threads: 1)) { scheduler in
            let completions = Completions()
            scheduler.readingStarted()
            #expect(scheduler.submit(decodeJob(model, rows: 1), completion: completions.callback) == nil)
            // Waiting for something that must not happen takes time; 0.3 s is ample for an idle compute thread.
            #expect(!completions.wait(1, seconds: 0.3), "a batch of 1 row went while more lines were on their way")
            #expect(scheduler.submit(decodeJob(model, rows: 7), completion: completions.callback) == nil)
            #expect(completions.wait(2), "a full batch (8 rows) does not wait for the window")
            #expect(scheduler.submit(decodeJob(model, rows: 1), completion: completions.callback) == nil)
            #expect(!completions.wait(1, seconds: 0.3), "a batch of 1 row went while more lines were on their way")
            scheduler.readingFinished()
            #expect(completions.wait(1), "the batch goes once no more lines are on their way")
        }
    }

    @Test func aStartedBatchWaitsNoLongerThanTheWindow() async throws {
        let model = try servedModel("m", kind: .vae)
        let window = Duration.milliseconds(50)
        try await withScheduler(.init(maxBatchRows: 8, window: window, maxQueueRows: 100, threads: 1)) { scheduler in
            let completions = Completions()
            scheduler.readingStarted()  // never settled during the test: more work always seems to be on its way
            let submitted = ContinuousClock.now
            #expect(scheduler.submit(decodeJob(model, rows: 1), completion: completions.callback) == nil)
            // The previous test shows such a batch waits as long as the window lets it (600 s there); here the window
            // ends the wait. The 10 s limit is 200 windows: it only guards against a hang.
            #expect(completions.wait(1), "the window ends the wait")
            #expect(ContinuousClock.now - submitted >= window, "the batch waited for the window before going")
            scheduler.readingFinished()
        }
    }
}

@Suite("Batch scheduler: small jobs on an idle scheduler")
struct InlineRunTests {
    @Test func aSmallJobRunsOnTheCallerOnlyWhenEverythingIsIdle() async throws {
        let model = try servedModel("m", kind: .vae)
        try await withScheduler(.init(maxBatchRows: 8, window: .zero, maxQueueRows: 100, threads: 1, inlineRows: 2)) { scheduler in
            // Wait until the compute thread sleeps: only then is the scheduler idle.
            var idleJob: ComputeJob?
            let completions = Completions()
            _ = waitUntil {
                let job = ComputeJob(model: model, stage: .decode, input: [Float](repeating: 0.5, count: 2 * model.zDim), count: 2)
                let caller = pthread_self()
                // Written only by a completion on this thread: one on the compute thread may still be running when
                // the flag is read below, and writing there was a data race (ThreadSanitizer, Tools/sanitize thread).
                nonisolated(unsafe) var ranHere = false
                #expect(scheduler.submit(job, mayRunInline: true) { _, _ in
                    if pthread_equal(pthread_self(), caller) != 0 { ranHere = true }
                } == nil)
                if ranHere { idleJob = job }
                return idleJob != nil
            }
            let inline = try #require(idleJob, "an idle scheduler ran a 2-row job on the caller")
            let reference = BatchExecutor(capacity: 4)
            let alone = ComputeJob(model: model, stage: .decode, input: inline.input, count: 2)
            reference.run([JobSlice(job: alone, rows: 0..<2)])
            #expect(Array(inline.pixels.floats) == Array(alone.pixels.floats))

            // Larger jobs, or callers that may not, always go to the compute thread.
            let caller = pthread_self()
            let big = ComputeJob(model: model, stage: .decode, input: [Float](repeating: 0, count: 3 * model.zDim), count: 3)
            nonisolated(unsafe) var bigRanHere = true
            #expect(scheduler.submit(big, mayRunInline: true) { job, error in
                bigRanHere = pthread_equal(pthread_self(), caller) != 0
                completions.callback(job, error)
            } == nil)
            #expect(completions.wait(1))
            #expect(!bigRanHere)
        }
    }
}
