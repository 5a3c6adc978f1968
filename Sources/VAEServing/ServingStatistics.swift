#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Metrics
import VAENumerics

/// Latencies in log-spaced buckets (5% apart): fixed memory however long the daemon runs, percentiles within 5%.
struct LatencyHistogram {
    static let growth = 1.05
    static let bucketCount = 400  // 1.05^400 µs ≈ 300 s
    var counts = [Int](repeating: 0, count: bucketCount)
    var total = 0

    mutating func add(microseconds: Double) {
        let index = microseconds <= 1 ? 0 : Int((log(microseconds) / log(Self.growth)).rounded(.up))
        counts[min(index, Self.bucketCount - 1)] += 1
        total += 1
    }

    /// The upper bound of the bucket holding the `fraction` quantile (0 when empty).
    func quantile(_ fraction: Double) -> Double {
        guard total > 0 else { return 0 }
        let target = Int((fraction * Double(total)).rounded(.up))
        var seen = 0
        for (index, count) in counts.enumerated() {
            seen += count
            if seen >= max(target, 1) { return pow(Self.growth, Double(index)) }
        }
        return pow(Self.growth, Double(Self.bucketCount - 1))
    }
}

/// What one answered request was, for the statistics.
package struct RequestRecord: Sendable {
    /// The method name if it is a known one.
    package var method: String?
    /// The model the request resolved; a name that was never loaded here is counted as none.
    package var model: String?
    /// The transport's name for the error (protocol v1's `data.type`), or nil on success.
    package var errorType: String?
    /// Images or codes the request carried (its share of compute).
    package var rows: Int

    package init(method: String? = nil, model: String? = nil, errorType: String? = nil, rows: Int = 0) {
        self.method = method
        self.model = model
        self.errorType = errorType
        self.rows = rows
    }
}

/// The transport a connection or request came through: the `transport` label of the metrics.
package enum TransportKind: String, CaseIterable, Sendable {
    case unix, http, grpc
}

/// The server's counters, shared by every transport and compute thread; the `stats` method answers a snapshot, and
/// ``prometheusExposition()`` writes them as Prometheus text (the `stats` method's prometheus format, `GET /metrics`).
///
/// Transports report what only they see: connections, and each message from arrival to answer (a message may
/// carry several requests, as a JSON-RPC batch does). The engine reports compute batches and model loads. The JSON
/// figures are kept here under one lock; the Prometheus families are swift-metrics instruments (ServingMetrics.swift)
/// looked up once per label set and cached, so a request costs one dictionary look-up besides the counting.
package final class ServingStatistics: Sendable {
    /// Request and batch sizes are counted in these buckets.
    package static let sizeBuckets: [(label: String, range: ClosedRange<Int>)] = [
        ("1", 1...1), ("2-4", 2...4), ("5-16", 5...16), ("17-64", 17...64), ("65-256", 65...256), ("257+", 257...Int.max),
    ]

    static func bucket(of rows: Int) -> Int? { sizeBuckets.firstIndex { $0.range.contains(rows) } }

    struct RequestKey: Hashable {
        var model: String?
        var method: String?
        var transport: TransportKind
    }

    struct Counters {
        var requests: [String: Int] = [:]
        var errors: [String: Int] = [:]
        var modelRequests: [String: Int] = [:]
        var modelErrors: [String: Int] = [:]
        var latency = LatencyHistogram()
        var rows = [Int](repeating: 0, count: ServingStatistics.sizeBuckets.count)
        var inFlight = 0
        var connections: [TransportKind: Int] = [:]
        var refusedConnections = 0
        // Prometheus instruments by label set, made on first use.
        var requestInstruments: [RequestKey: RequestInstruments] = [:]
        var modelInstruments: [String: ModelInstruments] = [:]
        var loadInstruments: [String: LoadInstruments] = [:]

        /// A record's instruments, cached by the labels the transport gave while they are bounded: a model name
        /// that was never loaded is counted as no model (a client's made-up names make no series) and not cached.
        mutating func instruments(for record: RequestRecord, transport: TransportKind, factory: any MetricsFactory)
            -> RequestInstruments
        {
            let given = RequestKey(model: record.model, method: record.method, transport: transport)
            if let known = requestInstruments[given] { return known }
            let loaded = record.model.map { loadInstruments[$0] != nil } ?? true
            let key = loaded ? given : RequestKey(model: nil, method: record.method, transport: transport)
            if let known = requestInstruments[key] { return known }
            let made = RequestInstruments(model: key.model, method: record.method, transport: transport,
                                          factory: factory)
            requestInstruments[key] = made
            return made
        }

        /// The JSON figures of one request; `model` is the one its instruments count it under.
        mutating func count(_ record: RequestRecord, model: String?, microseconds: Double) {
            requests[record.method ?? "invalid", default: 0] += 1
            latency.add(microseconds: microseconds)
            if let type = record.errorType { errors[type, default: 0] += 1 }
            if let model {
                modelRequests[model, default: 0] += 1
                if record.errorType != nil { modelErrors[model, default: 0] += 1 }
            }
            if record.rows > 0, let bucket = ServingStatistics.bucket(of: record.rows) { rows[bucket] += 1 }
        }
    }

    private let counters = LockedValue(Counters())
    /// Rows queued per model name, read when the exposition is written (the scheduler's figures).
    private let queuedRows = LockedValue<@Sendable () -> [String: Int]>({ [:] })
    private let started = ContinuousClock.now
    private let backend: PrometheusBackend

    /// - Parameter version: the daemon's version, for `vaed_build_info`.
    package init(version: String = "unknown") {
        backend = PrometheusBackend(version: version)
    }

    /// The factory the Prometheus families are made by: a transport may make its own instruments with it (or hand
    /// it to a library), and they come out in ``prometheusExposition()``.
    package var metricsFactory: any MetricsFactory { backend.factory }

    package func connectionOpened(_ transport: TransportKind) {
        counters.withLock { $0.connections[transport, default: 0] += 1 }
    }

    package func connectionClosed(_ transport: TransportKind) {
        counters.withLock { $0.connections[transport, default: 0] -= 1 }
    }

    package func connectionRefused(_ transport: TransportKind) {
        counters.withLock { $0.refusedConnections += 1 }
        backend.refused[transport]?.increment()
    }

    /// A message arrived; `answered` is called once for it.
    package func messageArrived() { counters.withLock { $0.inFlight += 1 } }

    /// Records the requests one message carried and the time from its arrival to its answer.
    package func answered(_ records: [RequestRecord], microseconds: Double, transport: TransportKind) {
        guard !records.isEmpty else { return counters.withLock { $0.inFlight -= 1 } }
        let nanoseconds = Int64((max(microseconds, 0) * 1000).rounded())
        let factory = backend.factory
        for (index, record) in records.enumerated() {
            let (instruments, errors) = counters.withLock { state in
                if index == 0 { state.inFlight -= 1 }
                let instruments = state.instruments(for: record, transport: transport, factory: factory)
                state.count(record, model: instruments.model, microseconds: microseconds)
                return (instruments, record.errorType.map { instruments.errors(ofType: $0, factory: factory) })
            }
            // Outside the lock: the instruments have atomics and locks of their own.
            instruments.requests.increment()
            instruments.duration.recordNanoseconds(nanoseconds)
            errors?.increment()
        }
    }

    // MARK: Engine events

    /// The compute-side instruments of the model named `name` (made on first use).
    func instruments(forModel name: String) -> ModelInstruments {
        counters.withLock { state in
            if let known = state.modelInstruments[name] { return known }
            let made = ModelInstruments(model: name, factory: backend.factory)
            state.modelInstruments[name] = made
            return made
        }
    }

    /// `model` was loaded (at start or by a reload) and is serving now.
    func loaded(_ model: ServedModel) {
        let instruments = loadInstruments(forModel: model.name)
        instruments.loads.increment()
        instruments.loadedAt.record(model.loadedAt.timeIntervalSince1970)
    }

    /// A reload failed for the model named `name` ("" for the model directory as a whole).
    func reloadFailed(model name: String) { loadInstruments(forModel: name).failures.increment() }

    private func loadInstruments(forModel name: String) -> LoadInstruments {
        counters.withLock { state in
            if let known = state.loadInstruments[name] { return known }
            let made = LoadInstruments(model: name, factory: backend.factory)
            state.loadInstruments[name] = made
            return made
        }
    }

    /// Where ``prometheusExposition()`` reads the rows queued per model.
    func sampleQueuedRows(with figures: @escaping @Sendable () -> [String: Int]) {
        queuedRows.withLock { $0 = figures }
    }

    // MARK: Reading

    /// Every family in the Prometheus text exposition format, version 0.0.4 (Formats/protocol.md lists them).
    package func prometheusExposition() -> String {
        let (inFlight, connections, models) = counters.withLock { ($0.inFlight, $0.connections, $0.modelInstruments) }
        let queued = queuedRows.withLock { $0 }()
        backend.uptime.record((ContinuousClock.now - started).inSeconds)
        backend.inFlight.record(inFlight)
        for (transport, gauge) in backend.connections { gauge.record(connections[transport] ?? 0) }
        for (name, instruments) in models { instruments.queuedRows.record(queued[name] ?? 0) }
        return backend.exposition()
    }

    /// Everything `stats` reports, at one moment.
    package struct Snapshot: Sendable {
        package var uptimeSeconds: Double
        package var connections: Int
        package var refusedConnections: Int
        package var inFlight: Int
        /// Rows waiting for a compute thread, by model.
        package var queuedRows: [String: Int]
        package var requests: [String: Int]
        package var errors: [String: Int]
        package var modelRequests: [String: Int]
        package var modelErrors: [String: Int]
        /// Latency quantiles in microseconds, as (name, fraction, value).
        package var latency: [(name: String, fraction: Double, microseconds: Double)]
        /// Requests by rows carried, per `sizeBuckets`.
        package var requestRows: [Int]
        /// Compute batches run by rows gathered, per `sizeBuckets`.
        package var batchSizes: [Int]
        package var gemm: GEMMKernels
    }

    func snapshot(queuedRows: [String: Int], batchSizes: [Int]) -> Snapshot {
        let s = counters.withLock { $0 }
        let quantiles = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99_9", 0.999)]
        return Snapshot(
            uptimeSeconds: (ContinuousClock.now - started).inSeconds, connections: s.connections.values.reduce(0, +),
            refusedConnections: s.refusedConnections, inFlight: s.inFlight, queuedRows: queuedRows, requests: s.requests,
            errors: s.errors, modelRequests: s.modelRequests, modelErrors: s.modelErrors,
            latency: quantiles.map { ($0.0, $0.1, s.latency.quantile($0.1).rounded()) }, requestRows: s.rows,
            batchSizes: batchSizes, gemm: GEMM.kernels)
    }
}
