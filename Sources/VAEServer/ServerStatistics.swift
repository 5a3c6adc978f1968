#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers
import VAEJSON
import VAENumerics
import VAEProtocol

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

/// The daemon's counters, shared by every connection and compute thread, answered by the `stats` method.
final class ServerStatistics: Sendable {
    struct State {
        var requests: [String: Int] = [:]
        var errors: [String: Int] = [:]
        var modelRequests: [String: Int] = [:]
        var modelErrors: [String: Int] = [:]
        var latency = LatencyHistogram()
        var rows = [Int](repeating: 0, count: BatchScheduler.sizeBuckets.count)
        var inFlight = 0
        var connections = 0
        var refusedConnections = 0
    }

    private let state = NIOLockedValueBox(State())
    private let started = ContinuousClock.now

    func connectionOpened() { state.withLockedValue { $0.connections += 1 } }
    func connectionClosed() { state.withLockedValue { $0.connections -= 1 } }
    func connectionRefused() { state.withLockedValue { $0.refusedConnections += 1 } }
    func lineStarted() { state.withLockedValue { $0.inFlight += 1 } }

    /// Records the requests one line carried and the time the line took.
    func lineFinished(_ records: [RequestRecord], microseconds: Double) {
        state.withLockedValue { state in
            state.inFlight -= 1
            for record in records {
                state.requests[record.method ?? "invalid", default: 0] += 1
                state.latency.add(microseconds: microseconds)
                if let type = record.errorType { state.errors[type, default: 0] += 1 }
                if let model = record.model {
                    state.modelRequests[model, default: 0] += 1
                    if record.errorType != nil { state.modelErrors[model, default: 0] += 1 }
                }
                if record.rows > 0, let bucket = BatchScheduler.sizeBuckets.firstIndex(where: { $0.range.contains(record.rows) }) {
                    state.rows[bucket] += 1
                }
            }
        }
    }

    var uptimeSeconds: Double {
        (ContinuousClock.now - started).inSeconds
    }

    /// What the scheduler knows: rows waiting per model and batches run by size.
    struct Batching {
        var queuedRows: [String: Int]
        var batchSizes: [Int]
    }

    func write(format: String, batching: Batching, into w: inout JSONWriter) {
        let s = state.withLockedValue { $0 }
        let quantiles = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99_9", 0.999)]
        if format == "prometheus" {
            w.raw("{\"text\":")
            w.string(prometheusText(s, batching: batching, quantiles: quantiles))
            w.raw("}")
            return
        }
        w.raw("{\"uptime_seconds\":")
        w.double((uptimeSeconds * 10).rounded() / 10)
        w.raw(",\"gemm\":")
        GEMM.kernels.write(into: &w)
        w.raw(",\"connections\":\(s.connections),\"refused_connections\":\(s.refusedConnections),\"in_flight\":\(s.inFlight),\"queue_depth\":\(batching.queuedRows.values.reduce(0, +)),\"queued_rows\":")
        writeCounts(batching.queuedRows, into: &w)
        w.raw(",\"requests\":")
        writeCounts(s.requests, into: &w)
        w.raw(",\"errors\":")
        writeCounts(s.errors, into: &w)
        w.raw(",\"by_model\":{")
        for (i, model) in s.modelRequests.keys.sorted().enumerated() {
            if i > 0 { w.raw(",") }
            w.string(model)
            w.raw(":{\"requests\":\(s.modelRequests[model] ?? 0),\"errors\":\(s.modelErrors[model] ?? 0)}")
        }
        w.raw("},\"latency_us\":{")
        for (i, (name, q)) in quantiles.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("\"\(name)\":")
            w.double(s.latency.quantile(q).rounded())
        }
        w.raw("},\"request_rows\":{")
        for (i, bucket) in BatchScheduler.sizeBuckets.enumerated() {
            if i > 0 { w.raw(",") }
            w.string(bucket.label)
            w.raw(":\(s.rows[i])")
        }
        w.raw("},\"batch_sizes\":{")
        for (i, bucket) in BatchScheduler.sizeBuckets.enumerated() {
            if i > 0 { w.raw(",") }
            w.string(bucket.label)
            w.raw(":\(batching.batchSizes[i])")
        }
        w.raw("}}")
    }

    private func writeCounts(_ counts: [String: Int], into w: inout JSONWriter) {
        w.raw("{")
        for (i, key) in counts.keys.sorted().enumerated() {
            if i > 0 { w.raw(",") }
            w.string(key)
            w.raw(":\(counts[key]!)")
        }
        w.raw("}")
    }

    /// The Prometheus text exposition format (version 0.0.4).
    private func prometheusText(_ s: State, batching: Batching, quantiles: [(String, Double)]) -> String {
        var lines: [String] = []
        func family(_ name: String, _ type: String, _ help: String) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
        }
        family("vaed_requests_total", "counter", "Requests answered, by method.")
        for key in s.requests.keys.sorted() { lines.append("vaed_requests_total{method=\"\(key)\"} \(s.requests[key]!)") }
        family("vaed_errors_total", "counter", "Error responses, by error type.")
        for key in s.errors.keys.sorted() { lines.append("vaed_errors_total{type=\"\(key)\"} \(s.errors[key]!)") }
        family("vaed_model_requests_total", "counter", "Requests that reached a model, by model.")
        for key in s.modelRequests.keys.sorted() { lines.append("vaed_model_requests_total{model=\"\(key)\"} \(s.modelRequests[key]!)") }
        family("vaed_request_latency_microseconds", "summary", "Time from a request line's arrival to its answer.")
        for (_, q) in quantiles { lines.append("vaed_request_latency_microseconds{quantile=\"\(q)\"} \(s.latency.quantile(q).rounded())") }
        lines.append("vaed_request_latency_microseconds_count \(s.latency.total)")
        family("vaed_request_rows", "counter", "Requests by the number of images or codes they carried.")
        for (i, bucket) in BatchScheduler.sizeBuckets.enumerated() { lines.append("vaed_request_rows{rows=\"\(bucket.label)\"} \(s.rows[i])") }
        family("vaed_batches_total", "counter", "Compute batches run, by the number of rows they gathered.")
        for (i, bucket) in BatchScheduler.sizeBuckets.enumerated() {
            lines.append("vaed_batches_total{rows=\"\(bucket.label)\"} \(batching.batchSizes[i])")
        }
        family("vaed_queue_rows", "gauge", "Rows waiting for a compute thread, by model.")
        for key in batching.queuedRows.keys.sorted() { lines.append("vaed_queue_rows{model=\"\(key)\"} \(batching.queuedRows[key]!)") }
        family("vaed_in_flight", "gauge", "Request lines read and not yet answered.")
        lines.append("vaed_in_flight \(s.inFlight)")
        family("vaed_connections", "gauge", "Open client connections.")
        lines.append("vaed_connections \(s.connections)")
        family("vaed_refused_connections_total", "counter", "Connections refused (peer credentials or --max-connections).")
        lines.append("vaed_refused_connections_total \(s.refusedConnections)")
        family("vaed_uptime_seconds", "gauge", "Seconds since the daemon started.")
        lines.append("vaed_uptime_seconds \(uptimeSeconds)")
        family("vaed_gemm_info", "gauge", "The GEMM library and the instruction set of its kernels (isa) and of this CPU (cpu_isa).")
        lines.append(GEMM.kernels.prometheusInfo)
        return lines.joined(separator: "\n") + "\n"
    }
}
