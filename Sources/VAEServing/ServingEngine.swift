import Dispatch
import Glibc
import ServiceLifecycle
import Synchronization
import VAENumerics

/// The serving engine: the loaded models, the methods' semantics, dynamic batching on compute threads, and the
/// statistics. Transport-free: a transport decodes its wire format into a ``ServingRequest``, calls ``submit``, and
/// writes the ``ServingResult`` (or ``ServingError``) it gets back in its own format.
///
/// Concurrency, in one paragraph: `submit` may be called from any thread and calls its completion exactly once —
/// on the calling thread for cheap methods, refusals and small jobs run inline on an idle engine, on a compute
/// thread for batched model work, on the reload queue for `reload` — and a transport hands the result to its
/// connection's event loop in one hop from there. The engine's mutable state has one owner each: the batch queue,
/// its entries and the compute threads' figures belong to ``BatchScheduler`` (one lock); the served models to
/// ``ModelRegistry`` (one lock, swapped whole by reloads, which run one at a time on the reload queue); the
/// counters to ``ServingStatistics`` (one lock, over its figures and its cache of Prometheus instruments, which
/// count with atomics and locks of their own; locks are taken scheduler, statistics, swift-prometheus's, never the
/// other way: the exposition reads the scheduler's queued rows holding none); the draining flag is an atomic. A
/// job's input is immutable and each output row is written by the one compute thread that computed it, published
/// by the scheduler's lock before its completion runs. Compute threads start when ``run()`` starts and stop when it
/// ends: at graceful shutdown (after the transports, which shut down first, have drained) it lets queued work
/// finish and returns.
package final class ServingEngine: Service, Sendable {
    package let limits: ServingLimits
    package let batching: BatchingConfiguration
    package let version: String
    package let statistics: ServingStatistics
    /// The model set, when it came from a catalog (so `reload` works).
    package let catalog: ModelCatalog?
    private let registry: ModelRegistry
    private let scheduler: BatchScheduler
    private let reloads = DispatchQueue(label: "vaed.reload")
    private let draining = Atomic(false)
    private let leaving = Atomic(false)

    /// - Parameter deliver: runs the completions of one finished batch; a transport passes a function that gathers
    ///   the event-loop hops they make, so a batch answering forty connections wakes each event loop once.
    package init(catalog: ModelCatalog, limits: ServingLimits = .init(), batching: BatchingConfiguration = .init(),
                version: String, deliver: @escaping @Sendable (() -> Void) -> Void = { $0() }) {
        self.catalog = catalog
        self.limits = limits
        self.batching = batching
        self.version = version
        registry = catalog.registry
        let statistics = ServingStatistics(version: version)
        self.statistics = statistics
        let scheduler = BatchScheduler(configuration: batching, statistics: statistics, deliver: deliver)
        statistics.sampleQueuedRows { [weak scheduler] in scheduler?.figures().queuedRows ?? [:] }
        let models = Array(catalog.registry.current.values)
        scheduler.serving(models)
        models.forEach(statistics.loaded)
        catalog.onChange { scheduler.serving($0) }
        self.scheduler = scheduler
    }

    /// An engine over a fixed set of models (no reload), for tools and tests.
    package init(models: [ServedModel], limits: ServingLimits = .init(), batching: BatchingConfiguration = .init(),
                version: String = "0.1.0") {
        catalog = nil
        self.limits = limits
        self.batching = batching
        self.version = version
        registry = ModelRegistry(models)
        statistics = ServingStatistics(version: version)
        let scheduler = BatchScheduler(configuration: batching, statistics: statistics)
        statistics.sampleQueuedRows { [weak scheduler] in scheduler?.figures().queuedRows ?? [:] }
        self.scheduler = scheduler
        scheduler.serving(models)
        models.forEach(statistics.loaded)
    }

    // MARK: Requests

    /// The models served now, sorted by name.
    package var servedModels: [ServedModel] { registry.current.values.sorted { $0.name < $1.name } }

    /// The named model, or the only one when no name is given.
    package func model(named name: String?) throws(ServingError) -> ServedModel {
        if let name {
            guard let model = registry[name] else { throw .modelNotFound(name, loaded: registry.names) }
            return model
        }
        let models = registry.current
        guard models.count == 1, let only = models.values.first else { throw .modelRequired(loaded: models.keys.sorted()) }
        return only
    }

    /// The statistics now, with the scheduler's queue and batch figures.
    package func statisticsSnapshot() -> ServingStatistics.Snapshot {
        let figures = scheduler.figures()
        return statistics.snapshot(queuedRows: figures.queuedRows, batchSizes: figures.batchSizes)
    }

    /// Answers one request; `completion` is called exactly once (on which thread: see the type's documentation).
    /// - Parameter mayRunInline: the caller can afford to compute a small job itself when the engine is idle (the
    ///   first request of a read, not the tail of a pipelined burst that is better batched).
    package func submit(_ request: ServingRequest, mayRunInline: Bool = false,
                       completion: @escaping @Sendable (Result<ServingResult, ServingError>) -> Void) {
        if request.model != nil && isDraining { return completion(.failure(.shuttingDown)) }
        switch request {
        case .hello:
            completion(.success(.hello(ServerDescription(version: version, limits: limits, modelNames: registry.names,
                                                         gemm: GEMM.kernels))))
        case .models:
            completion(.success(.models(registry.current.values.sorted { $0.name < $1.name })))
        case .health:
            completion(.success(.health(draining: isDraining)))
        case .stats:
            completion(.success(.stats(statisticsSnapshot())))
        case .reload:
            guard let catalog else { return completion(.failure(.unavailable("reload is not available in this server."))) }
            reloads.async { completion(self.reload(catalog)) }
        case .encode(let r):
            let job = ComputeJob(model: r.model, stage: .encode, input: r.images, count: r.count)
            compute(job, mayRunInline: mayRunInline, completion: completion) { .encoding(Self.encoding(of: $0, r)) }
        case .decode(let r):
            let job = ComputeJob(model: r.model, stage: .decode, input: r.codes, count: r.count, pixels: r.pixels)
            compute(job, mayRunInline: mayRunInline, completion: completion) { .images(Self.images(of: $0, codes: [])) }
        case .sample(let r):
            // The codes are drawn here, not in the batch: code i depends only on (seed, start + i).
            let codes = LatentCodes.sample(seed: r.seed, start: r.start, count: r.count, temperature: r.temperature,
                                           mean: r.model.samplingMean, std: r.model.samplingStd)
            let job = ComputeJob(model: r.model, stage: .decode, method: .sample, input: codes, count: r.count,
                                 pixels: r.pixels)
            compute(job, mayRunInline: mayRunInline, completion: completion) { .images(Self.images(of: $0, codes: codes)) }
        case .denoise(let r):
            let job = ComputeJob(model: r.model, stage: .denoise, input: r.images, count: r.count, pixels: r.pixels)
            compute(job, mayRunInline: mayRunInline, completion: completion) { .images(Self.images(of: $0, codes: [])) }
        }
    }

    private func compute(_ job: ComputeJob, mayRunInline: Bool,
                         completion: @escaping @Sendable (Result<ServingResult, ServingError>) -> Void,
                         result: @escaping @Sendable (ComputeJob) -> ServingResult) {
        let refusal = scheduler.submit(job, mayRunInline: mayRunInline) { job, error in
            if let error { return completion(.failure(error)) }
            completion(.success(result(job)))
        }
        if let refusal { completion(.failure(refusal)) }
    }

    /// Reloads (on the reload queue) and counts what was loaded and what failed.
    private func reload(_ catalog: ModelCatalog) -> Result<ServingResult, ServingError> {
        let report = catalog.reload()
        let models = registry.current
        for change in report.actions where change.action == .loaded || change.action == .reloaded {
            if let model = models[change.name] { statistics.loaded(model) }
        }
        for failure in report.failures {
            // An unreadable model directory fails the reload as a whole: counted under model "".
            statistics.reloadFailed(model: failure.name == catalog.directory ? "" : failure.name)
        }
        if let failure = report.failures.first {
            return .failure(.reloadFailed(model: failure.name, reason: failure.reason, report: report))
        }
        return .success(.reload(report))
    }

    /// Reloads as if a client had asked (SIGHUP, a changed model directory), in turn with other reloads.
    package func reloadInBackground() {
        guard let catalog else { return }
        reloads.async { _ = self.reload(catalog) }
    }

    // MARK: Arrivals and draining

    /// A transport started handing over the requests of one read: a started batch may wait for them.
    package func readingStarted() { scheduler.readingStarted() }

    /// The transport that called `readingStarted()` has submitted every request of that read.
    package func readingFinished() { scheduler.readingFinished() }

    /// Set once shutdown begins: model requests are then refused with `shuttingDown`, and health says draining.
    package var isDraining: Bool { draining.load(ordering: .relaxed) }

    package func beginDraining() {
        leaving.store(true, ordering: .relaxed)
        draining.store(true, ordering: .relaxed)
    }

    /// Ready for traffic: models are loaded (the catalog loads every one before the engine exists, and a failed
    /// reload keeps the old model) and shutdown has not begun. Health probes report it.
    package var isReady: Bool { !leaving.load(ordering: .relaxed) && !registry.current.isEmpty }

    /// Shutdown has begun but requests are still served (`--shutdown-delay`): readiness turns false at once, so a
    /// load balancer stops sending work before the transports stop taking it.
    package func markNotReady() { leaving.store(true, ordering: .relaxed) }

    /// Answers every queued job that has not started with `shuttingDown` (a transport's drain deadline).
    package func abandonQueued() { scheduler.abandonQueued(with: .shuttingDown) }

    // MARK: Service

    /// Runs the compute threads until graceful shutdown or cancellation, then lets queued work finish.
    package func run() async throws {
        scheduler.start()
        try? await gracefulShutdown()
        beginDraining()
        await scheduler.stop()
    }

    // MARK: Results

    /// mu and logvar from the head rows; z sampled around mu when asked (code i from (seed, i)).
    static func encoding(of job: ComputeJob, _ request: EncodeRequest) -> Encoding {
        let zDim = job.model.zDim, stride = job.model.architecture.headWidth, count = job.count
        let isVAE = stride == 2 * zDim
        var mu = [Float](repeating: 0, count: count * zDim)
        var logvar = [Float](repeating: 0, count: isVAE ? count * zDim : 0)
        for i in 0..<count {
            for j in 0..<zDim {
                mu[i * zDim + j] = job.head[i * stride + j]
                if isVAE { logvar[i * zDim + j] = job.head[i * stride + zDim + j] }
            }
        }
        var z = mu
        if request.sample && isVAE {
            var noise = [Float](repeating: 0, count: zDim)
            for i in 0..<count {
                noise.withUnsafeMutableBufferPointer {
                    LatentCodes.noise(seed: request.seed, index: i, zDim: zDim, into: $0.baseAddress!)
                }
                for j in 0..<zDim {
                    let k = i * zDim + j
                    z[k] = mu[k] + noise[j] * Float(exp(Double(0.5 * logvar[k])))
                }
            }
        }
        return Encoding(zDim: zDim, count: count, z: z, mu: mu, logvar: isVAE ? logvar : nil)
    }

    static func images(of job: ComputeJob, codes: [Float]) -> GeneratedImages {
        let input = job.model.architecture.input
        let shape = ImageGeometry(height: input.height, width: input.width, channels: input.channels)
        return GeneratedImages(shape: shape, count: job.count,
                               pixels: job.pixels, codes: codes, zDim: job.model.zDim)
    }
}
