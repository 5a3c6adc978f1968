#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
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

/// The server's counters, shared by every transport and compute thread; the `stats` method answers a snapshot.
///
/// Transports report what only they see: connections, and each message from arrival to answer (a message may
/// carry several requests, as a JSON-RPC batch does).
package final class ServingStatistics: Sendable {
    /// Request and batch sizes are counted in these buckets.
    package static let sizeBuckets: [(label: String, range: ClosedRange<Int>)] = [
        ("1", 1...1), ("2-4", 2...4), ("5-16", 5...16), ("17-64", 17...64), ("65-256", 65...256), ("257+", 257...Int.max),
    ]

    static func bucket(of rows: Int) -> Int? { sizeBuckets.firstIndex { $0.range.contains(rows) } }

    struct Counters {
        var requests: [String: Int] = [:]
        var errors: [String: Int] = [:]
        var modelRequests: [String: Int] = [:]
        var modelErrors: [String: Int] = [:]
        var latency = LatencyHistogram()
        var rows = [Int](repeating: 0, count: ServingStatistics.sizeBuckets.count)
        var inFlight = 0
        var connections = 0
        var refusedConnections = 0
    }

    private let counters = LockedValue(Counters())
    private let started = ContinuousClock.now

    package init() {}

    package func connectionOpened() { counters.withLock { $0.connections += 1 } }
    package func connectionClosed() { counters.withLock { $0.connections -= 1 } }
    package func connectionRefused() { counters.withLock { $0.refusedConnections += 1 } }
    /// A message arrived; `answered` is called once for it.
    package func messageArrived() { counters.withLock { $0.inFlight += 1 } }

    /// Records the requests one message carried and the time from its arrival to its answer.
    package func answered(_ records: [RequestRecord], microseconds: Double) {
        counters.withLock { state in
            state.inFlight -= 1
            for record in records {
                state.requests[record.method ?? "invalid", default: 0] += 1
                state.latency.add(microseconds: microseconds)
                if let type = record.errorType { state.errors[type, default: 0] += 1 }
                if let model = record.model {
                    state.modelRequests[model, default: 0] += 1
                    if record.errorType != nil { state.modelErrors[model, default: 0] += 1 }
                }
                if record.rows > 0, let bucket = Self.bucket(of: record.rows) { state.rows[bucket] += 1 }
            }
        }
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
        var latencyCount: Int
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
            uptimeSeconds: (ContinuousClock.now - started).inSeconds, connections: s.connections,
            refusedConnections: s.refusedConnections, inFlight: s.inFlight, queuedRows: queuedRows, requests: s.requests,
            errors: s.errors, modelRequests: s.modelRequests, modelErrors: s.modelErrors,
            latency: quantiles.map { ($0.0, $0.1, s.latency.quantile($0.1).rounded()) }, latencyCount: s.latency.total,
            requestRows: s.rows, batchSizes: batchSizes, gemm: GEMM.kernels)
    }
}

extension ServingStatistics.Snapshot {
    /// The Prometheus text exposition format (version 0.0.4).
    package var prometheusText: String {
        var lines: [String] = []
        func family(_ name: String, _ type: String, _ help: String) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
        }
        func labelled(_ name: String, _ label: String, _ counts: [String: Int]) {
            for key in counts.keys.sorted() { lines.append("\(name){\(label)=\"\(key)\"} \(counts[key]!)") }
        }
        let buckets = ServingStatistics.sizeBuckets
        family("vaed_requests_total", "counter", "Requests answered, by method.")
        labelled("vaed_requests_total", "method", requests)
        family("vaed_errors_total", "counter", "Error responses, by error type.")
        labelled("vaed_errors_total", "type", errors)
        family("vaed_model_requests_total", "counter", "Requests that reached a model, by model.")
        labelled("vaed_model_requests_total", "model", modelRequests)
        family("vaed_request_latency_microseconds", "summary", "Time from a request line's arrival to its answer.")
        for q in latency { lines.append("vaed_request_latency_microseconds{quantile=\"\(q.fraction)\"} \(q.microseconds)") }
        lines.append("vaed_request_latency_microseconds_count \(latencyCount)")
        family("vaed_request_rows", "counter", "Requests by the number of images or codes they carried.")
        for (i, bucket) in buckets.enumerated() { lines.append("vaed_request_rows{rows=\"\(bucket.label)\"} \(requestRows[i])") }
        family("vaed_batches_total", "counter", "Compute batches run, by the number of rows they gathered.")
        for (i, bucket) in buckets.enumerated() { lines.append("vaed_batches_total{rows=\"\(bucket.label)\"} \(batchSizes[i])") }
        family("vaed_queue_rows", "gauge", "Rows waiting for a compute thread, by model.")
        labelled("vaed_queue_rows", "model", queuedRows)
        family("vaed_in_flight", "gauge", "Request lines read and not yet answered.")
        lines.append("vaed_in_flight \(inFlight)")
        family("vaed_connections", "gauge", "Open client connections.")
        lines.append("vaed_connections \(connections)")
        family("vaed_refused_connections_total", "counter", "Connections refused (peer credentials or --max-connections).")
        lines.append("vaed_refused_connections_total \(refusedConnections)")
        family("vaed_uptime_seconds", "gauge", "Seconds since the daemon started.")
        lines.append("vaed_uptime_seconds \(uptimeSeconds)")
        family("vaed_gemm_info", "gauge", "The GEMM library and the instruction set of its kernels (isa) and of this CPU (cpu_isa).")
        lines.append("vaed_gemm_info{library=\"\(gemm.library)\",version=\"\(gemm.version)\",isa=\"\(gemm.instructionSet)\",cpu_isa=\"\(gemm.cpuInstructionSet)\"} 1")
        return lines.joined(separator: "\n") + "\n"
    }
}
