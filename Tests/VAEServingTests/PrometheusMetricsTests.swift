import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Testing
import VAEFormat
import VAENumerics
import VAETestSupport
@testable import VAEServing

/// The text exposition format (0.0.4) read back: TYPE and HELP lines by family, and samples with their labels.
struct ParsedExposition {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    var types: [String: String] = [:]
    var helps: [String: String] = [:]
    /// Families whose TYPE line came more than once.
    var repeatedTypes: [String] = []
    /// Families whose HELP line came after their TYPE line or their samples.
    var lateHelps: [String] = []
    var samples: [Sample] = []

    init(_ text: String) throws {
        for line in text.split(separator: "\n").map(String.init) {
            if line.hasPrefix("# TYPE ") || line.hasPrefix("# HELP ") {
                let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
                let name = parts[2], rest = parts.count > 3 ? parts[3] : ""
                if parts[1] == "TYPE" {
                    if types[name] != nil { repeatedTypes.append(name) }
                    types[name] = rest
                } else {
                    let own = [name, name + "_bucket", name + "_sum", name + "_count"]
                    if types[name] != nil || samples.contains(where: { own.contains($0.name) }) {
                        lateHelps.append(name)
                    }
                    helps[name] = rest
                }
            } else if !line.hasPrefix("#") {
                samples.append(try Self.sample(line))
            }
        }
    }

    /// `name{a="x",b="y"} value` or `name value`.
    static func sample(_ line: String) throws -> Sample {
        var name = "", labels: [String: String] = [:]
        var rest = Substring(line)
        if let brace = rest.firstIndex(of: "{") {
            name = String(rest[..<brace])
            rest = rest[rest.index(after: brace)...]
            while !rest.hasPrefix("}") {
                let equals = try #require(rest.firstIndex(of: "="), "a label in \(line)")
                let key = String(rest[..<equals])
                rest = rest[rest.index(after: equals)...]
                try #require(rest.hasPrefix("\""), "a quoted label value in \(line)")
                rest = rest.dropFirst()
                var value = ""
                while let c = rest.first, c != "\"" {
                    if c == "\\", let escaped = rest.dropFirst().first {
                        value.append(escaped == "n" ? "\n" : escaped)
                        rest = rest.dropFirst(2)
                    } else {
                        value.append(c)
                        rest = rest.dropFirst()
                    }
                }
                try #require(rest.first == "\"", "a closed label value in \(line)")
                rest = rest.dropFirst()
                labels[key] = value
                if rest.hasPrefix(",") { rest = rest.dropFirst() }
                try #require(!rest.isEmpty, "a closed label set in \(line)")
            }
            rest = rest.dropFirst()
        } else {
            let space = try #require(rest.firstIndex(of: " "), "a value in \(line)")
            name = String(rest[..<space])
            rest = rest[space...]
        }
        let text = rest.trimmingCharacters(in: .whitespaces)
        let value = try #require(text == "+Inf" ? Double.infinity : Double(text), "a number in \(line)")
        return Sample(name: name, labels: labels, value: value)
    }

    /// The value of the one sample named `name` with exactly these labels.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let found = samples.filter { $0.name == name && $0.labels == labels }
        return found.count == 1 ? found[0].value : nil
    }

    /// The label sets of a family's samples named `name`.
    func labelSets(_ name: String) -> [[String: String]] {
        samples.filter { $0.name == name }.map(\.labels)
    }

    /// A histogram series checked whole: its buckets are cumulative (non-decreasing in `le`), the last is +Inf and
    /// equals `_count`, and `_sum` is at least 0. Returns `_count`, or nil (with an issue recorded) if any fails.
    func histogramCount(_ family: String, _ labels: [String: String],
                        sourceLocation: SourceLocation = #_sourceLocation) -> Double? {
        let buckets = samples.filter { sample in
            sample.name == family + "_bucket" && sample.labels.filter { $0.key != "le" } == labels
        }.map { (le: $0.labels["le"].flatMap { $0 == "+Inf" ? .infinity : Double($0) } ?? .nan, count: $0.value) }
        let ordered = buckets.sorted { $0.le < $1.le }
        guard let count = value(family + "_count", labels), let sum = value(family + "_sum", labels),
            let last = ordered.last, ordered.count >= 2
        else {
            Issue.record("\(family)\(labels): no full histogram", sourceLocation: sourceLocation)
            return nil
        }
        let monotone = zip(ordered, ordered.dropFirst()).allSatisfy { $0.count <= $1.count }
        #expect(!buckets.contains { $0.le.isNaN }, "\(family)\(labels): every le is a number",
                sourceLocation: sourceLocation)
        #expect(monotone, "\(family)\(labels): buckets are cumulative \(ordered)", sourceLocation: sourceLocation)
        #expect(last.le == .infinity && last.count == count, "\(family)\(labels): +Inf is _count",
                sourceLocation: sourceLocation)
        #expect(sum >= 0, "\(family)\(labels): _sum \(sum)", sourceLocation: sourceLocation)
        return monotone && last.le == .infinity && last.count == count ? count : nil
    }
}

/// Plays a transport: one message carrying `request`, from arrival to answer, recorded as a transport records it.
func served(_ engine: ServingEngine, _ request: ServingRequest, transport: TransportKind) async
    -> Result<ServingResult, ServingError>
{
    let arrived = ContinuousClock.now
    engine.statistics.messageArrived()
    let result = await answer(engine, request)
    var record = RequestRecord(method: request.method, model: request.model?.name, rows: request.rows)
    if case .failure(let error) = result { record.errorType = error.protocolType }
    engine.statistics.answered([record], microseconds: (ContinuousClock.now - arrived).inSeconds * 1e6,
                               transport: transport)
    return result
}

extension ServingError {
    /// Protocol v1's `data.type` for the engine's errors these tests cause.
    var protocolType: String {
        switch self {
        case .modelNotFound: "model_not_found"
        case .modelRequired: "model_required"
        case .overloaded: "overloaded"
        case .shuttingDown: "shutting_down"
        case .reloadFailed: "reload_failed"
        case .unavailable: "internal_error"
        }
    }
}

@Suite("Prometheus metrics: families, labels and counts through the engine")
struct PrometheusMetricsTests {
    static let expectedTypes: [MetricFamily: String] = [
        .requests: "counter", .errors: "counter", .requestDuration: "histogram", .queueWait: "histogram",
        .computeDuration: "histogram", .batchRows: "histogram", .queueRows: "gauge", .inFlight: "gauge",
        .connections: "gauge", .refusedConnections: "counter", .modelLoads: "counter", .reloadFailures: "counter",
        .modelLoadTime: "gauge", .buildInfo: "gauge", .gemmInfo: "gauge", .uptime: "gauge",
    ]

    /// Each family has its TYPE and HELP, once each and HELP first; `requests` tells whether requests were made
    /// (the request families have no series before).
    static func expectFamilies(_ parsed: ParsedExposition, requests: Bool,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        let perRequest: Set<MetricFamily> = [.requests, .errors, .requestDuration]
        for family in MetricFamily.allCases where requests || !perRequest.contains(family) {
            #expect(parsed.types[family.rawValue] == Self.expectedTypes[family], "TYPE of \(family.rawValue)",
                    sourceLocation: sourceLocation)
            #expect(parsed.helps[family.rawValue] == family.help, "HELP of \(family.rawValue)",
                    sourceLocation: sourceLocation)
        }
        #expect(parsed.repeatedTypes.isEmpty && parsed.lateHelps.isEmpty, "\(parsed.repeatedTypes) \(parsed.lateHelps)",
                sourceLocation: sourceLocation)
    }

    @Test func theModelAndInfoFamiliesAreThereBeforeAnyRequest() throws {
        let model = try servedModel("m", kind: .vae)
        let engine = ServingEngine(models: [model], version: "9.8.7")
        let text = engine.statistics.prometheusExposition()
        let parsed = try ParsedExposition(text)
        Self.expectFamilies(parsed, requests: false)
        #expect(text.hasSuffix("\n"))
        #expect(parsed.value("vaed_build_info", ["version": "9.8.7"]) == 1)
        let gemm = GEMM.kernels
        #expect(parsed.value("vaed_gemm_info", ["library": gemm.library, "version": gemm.version,
                                                "isa": gemm.instructionSet, "cpu_isa": gemm.cpuInstructionSet]) == 1)
        #expect((parsed.value("vaed_uptime_seconds") ?? -1) >= 0)
        // Every transport's connection families are there from the start, at 0.
        for transport in TransportKind.allCases {
            #expect(parsed.value("vaed_connections", ["transport": transport.rawValue]) == 0)
            #expect(parsed.value("vaed_refused_connections_total", ["transport": transport.rawValue]) == 0)
        }
        // The served model's series too, before any request.
        #expect(parsed.value("vaed_queue_rows", ["model": "m"]) == 0)
        #expect(parsed.histogramCount("vaed_compute_duration_seconds", ["model": "m"]) == 0)
        #expect(parsed.value("vaed_model_loads_total", ["model": "m"]) == 1)
        #expect(parsed.value("vaed_model_reload_failures_total", ["model": "m"]) == 0)
        let loadedAt = try #require(parsed.value("vaed_model_load_timestamp_seconds", ["model": "m"]))
        #expect(abs(loadedAt - model.loadedAt.timeIntervalSince1970) < 0.001)
        // The duration buckets span 10 µs … 10 s.
        let bounds = parsed.samples.filter { $0.name == "vaed_compute_duration_seconds_bucket" }
            .compactMap { $0.labels["le"] }
        #expect(bounds.first == "0.00001" && bounds.contains("10.0") && bounds.last == "+Inf", "\(bounds)")
    }

    @Test func requestsErrorsQueueWaitComputeAndConnectionsAreCountedByTheirLabels() async throws {
        let model = try servedModel("m", kind: .vae)
        // No inline runs, and a queue of 4 rows: with the compute threads not yet started, the queue fills.
        let engine = ServingEngine(models: [model],
                                   batching: BatchingConfiguration(window: .zero, maxQueueRows: 4, threads: 2,
                                                                   inlineRows: 0))
        let image = (0..<model.pixelCount).map { Float($0 % 5) / 4 }
        let codes: [Float] = [0.5, -1, 1, 0.25]

        // Two 2-row samples queue before run(); a third request does not fit and is refused.
        let sample = ServingRequest.sample(SampleRequest(model: model, count: 2, seed: 1, pixels: .bytes))
        async let firstSample = served(engine, sample, transport: .http)
        async let secondSample = served(engine, sample, transport: .http)
        var before = try ParsedExposition(engine.statistics.prometheusExposition())
        for _ in 0..<200 where before.value("vaed_queue_rows", ["model": "m"]) != 4 {
            try await Task.sleep(for: .milliseconds(5))
            before = try ParsedExposition(engine.statistics.prometheusExposition())
        }
        #expect(before.value("vaed_queue_rows", ["model": "m"]) == 4, "rows queued before the compute threads start")
        let lone = DecodeRequest(model: model, codes: [0, 0], count: 1, pixels: .floats)
        let refused = await served(engine, .decode(lone), transport: .unix)
        #expect(refused.failure?.protocolType == "overloaded")

        let running = Task(executorPreference: QueueTaskExecutor()) { try await engine.run() }
        defer { running.cancel() }
        for result in await [firstSample, secondSample] { #expect(result.failure == nil) }
        for _ in 0..<3 {
            let request = EncodeRequest(model: model, images: image, count: 1)
            let encode = await served(engine, .encode(request), transport: .unix)
            #expect(encode.failure == nil)
        }
        let decode = await served(engine, .decode(DecodeRequest(model: model, codes: codes, count: 2, pixels: .floats)),
                                  transport: .grpc)
        #expect(decode.failure == nil)
        _ = await served(engine, .health, transport: .unix)
        // A model name that is not loaded: no model label (a client's made-up names make no series), the error type
        // counted.
        engine.statistics.messageArrived()
        let madeUp = RequestRecord(method: "encode", model: "no-such-model", errorType: "model_not_found")
        engine.statistics.answered([madeUp], microseconds: 12, transport: .grpc)
        // Connections: two opened over HTTP and one closed; one refused over gRPC; one message still unanswered.
        engine.statistics.connectionOpened(.http)
        engine.statistics.connectionOpened(.http)
        engine.statistics.connectionClosed(.http)
        engine.statistics.connectionRefused(.grpc)
        engine.statistics.messageArrived()

        let parsed = try ParsedExposition(engine.statistics.prometheusExposition())
        Self.expectFamilies(parsed, requests: true)
        func requests(_ model: String, _ method: String, _ transport: String) -> Double? {
            parsed.value("vaed_requests_total", ["model": model, "method": method, "transport": transport])
        }
        #expect(requests("m", "sample", "http") == 2)
        #expect(requests("m", "decode", "unix") == 1)
        #expect(requests("m", "encode", "unix") == 3)
        #expect(requests("m", "decode", "grpc") == 1)
        #expect(requests("", "health", "unix") == 1)
        #expect(requests("", "encode", "grpc") == 1)
        let labelSets = parsed.labelSets("vaed_requests_total")
        #expect(labelSets.count == 6, "no other label sets: \(labelSets)")
        func errors(_ model: String, _ method: String, _ transport: String, _ type: String) -> Double? {
            parsed.value("vaed_errors_total", ["model": model, "method": method, "transport": transport, "type": type])
        }
        #expect(errors("m", "decode", "unix", "overloaded") == 1)
        #expect(errors("", "encode", "grpc", "model_not_found") == 1)
        #expect(parsed.labelSets("vaed_errors_total").count == 2, "successes count no error")

        // Latency from arrival to answer: one observation per request, by model and method (all transports).
        let duration = "vaed_request_duration_seconds"
        #expect(parsed.histogramCount(duration, ["model": "m", "method": "sample"]) == 2)
        #expect(parsed.histogramCount(duration, ["model": "m", "method": "decode"]) == 2, "one refused, one answered")
        #expect(parsed.histogramCount(duration, ["model": "m", "method": "encode"]) == 3)
        #expect(parsed.histogramCount(duration, ["model": "", "method": "health"]) == 1)
        // Queue wait: one per request that reached a compute batch (not the refused one).
        let wait = "vaed_queue_wait_seconds"
        #expect(parsed.histogramCount(wait, ["model": "m", "method": "sample"]) == 2)
        #expect(parsed.histogramCount(wait, ["model": "m", "method": "encode"]) == 3)
        #expect(parsed.histogramCount(wait, ["model": "m", "method": "decode"]) == 1)
        #expect(parsed.histogramCount(wait, ["model": "m", "method": "denoise"]) == 0)
        // Compute: one per batch; the batches gathered every computed row (2 + 2 + 3 × 1 + 2).
        let batches = try #require(parsed.histogramCount("vaed_compute_duration_seconds", ["model": "m"]))
        #expect(batches >= 1 && batches <= 6)
        #expect(parsed.histogramCount("vaed_batch_rows", ["model": "m"]) == batches)
        #expect(parsed.value("vaed_batch_rows_sum", ["model": "m"]) == 9)
        #expect(parsed.value("vaed_queue_rows", ["model": "m"]) == 0, "the queue drained")

        #expect(parsed.value("vaed_connections", ["transport": "http"]) == 1)
        #expect(parsed.value("vaed_connections", ["transport": "unix"]) == 0)
        #expect(parsed.value("vaed_refused_connections_total", ["transport": "grpc"]) == 1)
        #expect(parsed.value("vaed_in_flight") == 1)
    }

    @Test func aRequestRunInlineWaitedForNoQueue() async throws {
        let model = try servedModel("m", kind: .ae)
        let engine = ServingEngine(models: [model], batching: BatchingConfiguration(threads: 1, inlineRows: 2))
        let running = Task(executorPreference: QueueTaskExecutor()) { try await engine.run() }
        defer { running.cancel() }
        // An idle engine computes a small job on the submitting thread, once its compute thread is asleep.
        let request = SampleRequest(model: model, count: 1, seed: 3, pixels: .floats)
        let wait = ["model": "m", "method": "sample"]
        for _ in 0..<400 {
            let before = try ParsedExposition(engine.statistics.prometheusExposition())
            let ranInline = LockedValue<Bool?>(nil)
            let thread = pthread_self()
            engine.submit(.sample(request), mayRunInline: true) { _ in
                ranInline.withLock { $0 = pthread_equal(pthread_self(), thread) != 0 }
            }
            // Its figures are recorded before its completion runs.
            while ranInline.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(1)) }
            guard ranInline.withLock({ $0 }) == true else { continue }
            let after = try ParsedExposition(engine.statistics.prometheusExposition())
            let waits = try #require(after.histogramCount("vaed_queue_wait_seconds", wait))
            #expect(waits - (before.histogramCount("vaed_queue_wait_seconds", wait) ?? -1) == 1)
            let sum = "vaed_queue_wait_seconds_sum"
            #expect(after.value(sum, wait) == before.value(sum, wait), "it waited 0 s")
            let batches = try #require(after.histogramCount("vaed_compute_duration_seconds", ["model": "m"]))
            #expect(batches - (before.histogramCount("vaed_compute_duration_seconds", ["model": "m"]) ?? -1) == 1)
            return
        }
        Issue.record("no request ran inline")
    }

    @Test func loadsReloadsAndFailedReloadsAreCountedPerModel() async throws {
        let directory = temporaryDirectory()
        try writeModelFile(kind: .vae, seed: 1, to: "\(directory)/a.vaez")
        try writeModelFile(kind: .ae, seed: 2, to: "\(directory)/b.vaez")
        let catalog = try ModelCatalog(explicit: [], directory: directory, logger: Logger(label: "test"))
        let engine = ServingEngine(catalog: catalog, version: "1")
        func parsed() throws -> ParsedExposition { try ParsedExposition(engine.statistics.prometheusExposition()) }
        let first = try parsed()
        #expect(first.value("vaed_model_loads_total", ["model": "a"]) == 1)
        #expect(first.value("vaed_model_loads_total", ["model": "b"]) == 1)
        let firstLoad = try #require(first.value("vaed_model_load_timestamp_seconds", ["model": "a"]))

        // A changed file is reloaded; an unchanged one is not counted.
        try await Task.sleep(for: .milliseconds(20))
        try writeModelFile(kind: .vae, seed: 3, to: "\(directory)/a.vaez")
        guard case .success = await answer(engine, .reload) else { Issue.record("the reload failed"); return }
        let second = try parsed()
        #expect(second.value("vaed_model_loads_total", ["model": "a"]) == 2)
        #expect(second.value("vaed_model_loads_total", ["model": "b"]) == 1)
        let secondLoad = try #require(second.value("vaed_model_load_timestamp_seconds", ["model": "a"]))
        #expect(secondLoad > firstLoad && secondLoad == catalog.registry["a"]!.loadedAt.timeIntervalSince1970)

        // A damaged file fails its reload and keeps the old model: counted as a failure, not a load.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(directory)/b.vaez")))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/b.vaez"))
        guard case .failure(.reloadFailed(model: "b", _, _)) = await answer(engine, .reload) else {
            Issue.record("the damaged file did not fail the reload"); return
        }
        let third = try parsed()
        #expect(third.value("vaed_model_reload_failures_total", ["model": "b"]) == 1)
        #expect(third.value("vaed_model_reload_failures_total", ["model": "a"]) == 0)
        #expect(third.value("vaed_model_loads_total", ["model": "b"]) == 1)
        #expect(third.value("vaed_model_load_timestamp_seconds", ["model": "a"]) == secondLoad)
    }

    @Test func theExpositionGroupsFamiliesSortsThemAndAddsHelp() {
        let text = "# TYPE vaed_uptime_seconds gauge\nvaed_uptime_seconds 2.5\n# TYPE other_total counter\n"
            + "other_total{a=\"1\"} 3\nother_total{a=\"2\"} 4\n"
        let help = MetricFamily.uptime.help
        #expect(PrometheusBackend.exposition(of: text) == "# TYPE other_total counter\nother_total{a=\"1\"} 3\n"
                + "other_total{a=\"2\"} 4\n# HELP vaed_uptime_seconds \(help)\n# TYPE vaed_uptime_seconds gauge\n"
                + "vaed_uptime_seconds 2.5\n")
    }
}
