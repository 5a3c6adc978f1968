import Metrics
import Prometheus
import VAENumerics

// How the statistics reach Prometheus: swift-metrics instruments (Counter, Timer, Recorder, Meter, Gauge) made by
// a swift-prometheus `PrometheusMetricsFactory` over a `PrometheusCollectorRegistry` that each `ServingStatistics`
// owns and passes explicitly. Not `MetricsSystem.bootstrap`: it can run once per process, and tests run many engines
// in one process, each of which must count only its own requests. Not the registry's own types either: with
// swift-metrics the engine's code names no backend, and a transport can hand `metricsFactory` to a library that
// instruments itself (its families then come out in the same exposition). The price is that the factory registers
// every family without HELP text: `exposition(of:)` adds the HELP lines from `MetricFamily` and sorts the families.

/// The families the engine exposes, by their Prometheus names, with their HELP text.
package enum MetricFamily: String, CaseIterable, Sendable {
    case requests = "vaed_requests_total"
    case errors = "vaed_errors_total"
    case requestDuration = "vaed_request_duration_seconds"
    case queueWait = "vaed_queue_wait_seconds"
    case computeDuration = "vaed_compute_duration_seconds"
    case batchRows = "vaed_batch_rows"
    case queueRows = "vaed_queue_rows"
    case inFlight = "vaed_in_flight"
    case connections = "vaed_connections"
    case refusedConnections = "vaed_refused_connections_total"
    case modelLoads = "vaed_model_loads_total"
    case reloadFailures = "vaed_model_reload_failures_total"
    case modelLoadTime = "vaed_model_load_timestamp_seconds"
    case buildInfo = "vaed_build_info"
    case gemmInfo = "vaed_gemm_info"
    case uptime = "vaed_uptime_seconds"

    package var help: String {
        switch self {
        case .requests:
            "Requests answered, by model (empty when the request resolved none), method (invalid when unreadable or "
                + "unknown) and transport."
        case .errors: "Error responses, by model, method, transport and type (protocol v1's data.type)."
        case .requestDuration: "Time from a request's arrival to its answer, by model and method."
        case .queueWait: "Time a model request waited from submission to the start of its first compute batch."
        case .computeDuration: "Time one compute batch took, by model."
        case .batchRows: "Rows (images or codes) per compute batch, by model."
        case .queueRows: "Rows waiting for a compute thread, by model."
        case .inFlight: "Messages read and not yet answered."
        case .connections: "Open client connections, by transport."
        case .refusedConnections: "Connections refused (peer credentials or the connection limit), by transport."
        case .modelLoads: "Model files loaded, at start and by reloads, by model."
        case .reloadFailures:
            "Reloads that failed for a model, which kept serving the old one (model is empty when the model "
                + "directory could not be read)."
        case .modelLoadTime: "When the model now serving was loaded, in Unix seconds."
        case .buildInfo: "The daemon's version; always 1."
        case .gemmInfo: "The GEMM library and the instruction set of its kernels (isa) and of this CPU (cpu_isa)."
        case .uptime: "Seconds since the engine started."
        }
    }

    /// Upper bounds of the duration histograms: 10 µs to 10 s in 1-2-5 steps.
    static let durationBuckets: [Duration] = {
        var bounds: [Duration] = []
        var decade = Duration.microseconds(10)
        while decade < .seconds(10) {
            bounds += [decade, decade * 2, decade * 5]
            decade *= 10
        }
        return bounds + [.seconds(10)]
    }()

    /// Upper bounds of the batch-size histogram, in rows.
    static let rowBuckets: [Double] = (0...10).map { Double(1 << $0) }
}

/// The methods that run a model: the queue-wait histogram's `method` label.
package enum ModelMethod: String, CaseIterable, Sendable {
    case encode, decode, sample, denoise
}

/// One model's instruments, made once (when the model is first served, or first seen) and kept for the statistics'
/// life; the compute threads record into them without the statistics' lock.
final class ModelInstruments: Sendable {
    let queueWait: [ModelMethod: CoreMetrics.Timer]
    let compute: CoreMetrics.Timer
    let batchRows: Recorder
    /// Set from the scheduler's figures when the exposition is written.
    let queuedRows: CoreMetrics.Gauge

    init(model: String, factory: any MetricsFactory) {
        let labels = [("model", model)]
        queueWait = Dictionary(uniqueKeysWithValues: ModelMethod.allCases.map { method in
            let dimensions = labels + [("method", method.rawValue)]
            return (method, CoreMetrics.Timer(label: MetricFamily.queueWait.rawValue, dimensions: dimensions,
                                              factory: factory))
        })
        compute = CoreMetrics.Timer(label: MetricFamily.computeDuration.rawValue, dimensions: labels, factory: factory)
        batchRows = Recorder(label: MetricFamily.batchRows.rawValue, dimensions: labels, aggregate: true,
                             factory: factory)
        queuedRows = CoreMetrics.Gauge(label: MetricFamily.queueRows.rawValue, dimensions: labels, factory: factory)
    }
}

/// The instruments of one (model, method, transport) label set, cached by the statistics on first use and touched
/// under their lock.
final class RequestInstruments {
    /// The model label's name (nil: none).
    let model: String?
    let labels: [(String, String)]
    let requests: CoreMetrics.Counter
    let duration: CoreMetrics.Timer
    /// By error type, made on the first error of that type.
    var errors: [String: CoreMetrics.Counter] = [:]

    init(model: String?, method: String?, transport: TransportKind, factory: any MetricsFactory) {
        self.model = model
        labels = [("model", model ?? ""), ("method", method ?? "invalid"), ("transport", transport.rawValue)]
        requests = CoreMetrics.Counter(label: MetricFamily.requests.rawValue, dimensions: labels, factory: factory)
        duration = CoreMetrics.Timer(label: MetricFamily.requestDuration.rawValue,
                                     dimensions: Array(labels.prefix(2)), factory: factory)
    }

    func errors(ofType type: String, factory: any MetricsFactory) -> CoreMetrics.Counter {
        if let counter = errors[type] { return counter }
        let counter = CoreMetrics.Counter(label: MetricFamily.errors.rawValue, dimensions: labels + [("type", type)],
                                          factory: factory)
        errors[type] = counter
        return counter
    }
}

/// A model's load instruments: loads, failed reloads, and the time of the last load.
struct LoadInstruments {
    let loads: CoreMetrics.Counter
    let failures: CoreMetrics.Counter
    let loadedAt: CoreMetrics.Gauge

    init(model: String, factory: any MetricsFactory) {
        let labels = [("model", model)]
        loads = CoreMetrics.Counter(label: MetricFamily.modelLoads.rawValue, dimensions: labels, factory: factory)
        failures = CoreMetrics.Counter(label: MetricFamily.reloadFailures.rawValue, dimensions: labels,
                                       factory: factory)
        loadedAt = CoreMetrics.Gauge(label: MetricFamily.modelLoadTime.rawValue, dimensions: labels, factory: factory)
    }
}

/// The registry, the factory over it, and the families that are set when the exposition is written.
struct PrometheusBackend: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    let uptime: CoreMetrics.Gauge
    let inFlight: CoreMetrics.Gauge
    let connections: [TransportKind: CoreMetrics.Gauge]
    let refused: [TransportKind: CoreMetrics.Counter]

    init(version: String) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = Dictionary(uniqueKeysWithValues: [
            MetricFamily.requestDuration, .queueWait, .computeDuration,
        ].map { ($0.rawValue, MetricFamily.durationBuckets) })
        factory.valueHistogramBuckets = [MetricFamily.batchRows.rawValue: MetricFamily.rowBuckets]
        self.factory = factory
        uptime = CoreMetrics.Gauge(label: MetricFamily.uptime.rawValue, factory: factory)
        inFlight = CoreMetrics.Gauge(label: MetricFamily.inFlight.rawValue, factory: factory)
        connections = Dictionary(uniqueKeysWithValues: TransportKind.allCases.map {
            ($0, CoreMetrics.Gauge(label: MetricFamily.connections.rawValue, dimensions: [("transport", $0.rawValue)],
                       factory: factory))
        })
        refused = Dictionary(uniqueKeysWithValues: TransportKind.allCases.map {
            ($0, CoreMetrics.Counter(label: MetricFamily.refusedConnections.rawValue,
                                     dimensions: [("transport", $0.rawValue)], factory: factory))
        })
        CoreMetrics.Gauge(label: MetricFamily.buildInfo.rawValue, dimensions: [("version", version)], factory: factory)
            .record(1)
        let gemm = GEMM.kernels
        CoreMetrics.Gauge(label: MetricFamily.gemmInfo.rawValue,
              dimensions: [("library", gemm.library), ("version", gemm.version), ("isa", gemm.instructionSet),
                           ("cpu_isa", gemm.cpuInstructionSet)],
              factory: factory).record(1)
    }

    /// The registry's text with a HELP line before each family the engine knows, families sorted by name.
    func exposition() -> String {
        Self.exposition(of: registry.emitToString())
    }

    /// `text` (the text format, version 0.0.4) regrouped: each family's comment and sample lines stay together and
    /// in order; families are sorted by name, and those of `MetricFamily` get their HELP line.
    static func exposition(of text: String) -> String {
        var families: [(name: Substring, lines: [Substring])] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# ") {
                // "# HELP name …" or "# TYPE name …": a family starts unless it is the one being read.
                let name = line.split(separator: " ", maxSplits: 3).dropFirst(2).first ?? ""
                if families.last?.name != name { families.append((name, [])) }
            } else if families.isEmpty {
                families.append(("", []))
            }
            families[families.count - 1].lines.append(line)
        }
        var out = ""
        for family in families.sorted(by: { $0.name < $1.name }) {
            if let known = MetricFamily(rawValue: String(family.name)),
                !family.lines.contains(where: { $0.hasPrefix("# HELP ") })
            {
                out += "# HELP \(known.rawValue) \(known.help)\n"
            }
            for line in family.lines { out += line + "\n" }
        }
        return out
    }
}
