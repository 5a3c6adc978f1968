import ArgumentParser
import Foundation
import VAEClient
import VAEJSON
import VAEProtocol

extension Vaectl {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load-test the daemon: closed loop, N connections each keeping D requests in flight.",
            discussion: """
                Every connection sends the same request (built once), and sends one more for each answer, so \
                exactly connections × depth requests are in flight; one thread (--threads) drives them all with \
                poll(2), so the generator costs a few µs of CPU per request. Reports requests/s, images/s, latency \
                percentiles (send to whole answer, µs) and errors by type, over --duration seconds after \
                --warmup seconds. Images are a synthetic shape of the model's size, or the first image of --input. \
                A table model's rows (encode, denoise) are N(0, 1) draws of its width, the same every run, or the \
                first --images rows of a CSV --input (repeated from the top when it has fewer), its header checked \
                as encode checks it (--drop-column for a label); they travel as numbers, so --payload is for images. \
                Before the load, one request is sent alone: if the daemon refuses it, that error is reported (exit 1). \
                --json prints the figures as JSON.
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var model: ModelOption
        @Option(help: "The method each request calls.") var method: RPCMethod = .encode
        @Option(help: "How images are sent (default: u8; a table model's rows are numbers).")
        var payload: BenchRequest.Payload?
        @Option(help: "Images or table rows (encode, denoise), or latent codes (decode) per request.") var images = 1
        @Option(help: "Images per sample request.") var count = 1
        @Option(help: "How result images come back (default: the daemon's, array).") var output: ImageOutputFormat?
        @Option(help: "Concurrent connections.") var connections = 16
        @Option(help: "Requests in flight per connection.") var depth = 4
        @Option(help: "Seconds measured.") var duration: Double = 10
        @Option(help: "Seconds of load before measuring.") var warmup: Double = 1
        @Option(help: "Threads of the load generator, each driving its share of the connections.") var threads = 1
        @Flag(help: "Busy-poll instead of sleeping between answers: latency without the generator's own wake-up cost (uses a core per thread).")
        var spin = false
        @Option(
            help: """
                Take the image from this PNG or IDX file (its first image), or a table model's rows from this CSV \
                file, instead of synthetic ones.
                """)
        var input: String?
        @OptionGroup var drop: DropColumnOption
        @OptionGroup var format: JSONOption
        var json: Bool { format.json }

        func validate() throws {
            guard images >= 1, count >= 1 else { throw ValidationError("--images and --count must be at least 1") }
            guard connections >= 1, depth >= 1, threads >= 1 else {
                throw ValidationError("--connections, --depth and --threads must be at least 1")
            }
            guard duration > 0, duration <= 86_400, warmup >= 0, warmup <= 86_400 else {
                throw ValidationError("--duration must be above 0 and --warmup at least 0 seconds, both at most a day")
            }
        }

        /// Images or codes one request carries (0 for methods without any).
        var imagesPerRequest: Int {
            switch method {
            case .encode, .denoise, .decode: images
            case .sample: count
            case .hello, .health, .models, .stats, .reload: 0
            }
        }

        /// One request's params, as the protocol's typed params write them (nil for methods without any).
        func params(_ session: Session) throws -> JSONValue? {
            guard method.usesModel else { return nil }
            let described = try session.model(model.model)
            if described.isTable, output != nil {
                throw Failure(
                    .usage, "--output is the form of result images; model '\(described.name)' is a table model, "
                        + "which answers rows")
            }
            switch method {
            case .encode, .denoise:
                if described.isTable { return try rowParams(described) }
                if !drop.columns.isEmpty { throw Failure(.usage, "--drop-column is for a table model's CSV --input") }
                if let input, isTableFile(input) {
                    throw Failure(
                        .usage, "model '\(described.name)' takes images; a CSV --input is for a table model's rows")
                }
                var first = InputImage(
                    source: "synthetic", stem: "synthetic",
                    image: BenchRequest.syntheticImage(height: described.height, width: described.width))
                if let input {
                    guard let read = try ImageFiles.read([input], indices: nil).first else {
                        throw Failure(.usage, "\(input) holds no images")
                    }
                    first = read
                }
                // In the model's channels: an RGB model takes three values a pixel.
                let image = try ImageFiles.conform(
                    [first], height: described.height, width: described.width, channels: described.channels,
                    model: described.name, resize: false)[0].image
                let items = try BenchRequest.images(image, count: images, payload: payload ?? .u8)
                return method == .encode
                    ? EncodeParams(model: model.model, images: items).json
                    : DenoiseParams(model: model.model, images: items, output: output).json
            case .decode:
                let codes = BenchRequest.latentCodes(count: images, zDim: described.zDim)
                return DecodeParams(model: model.model, z: codes, output: output).json
            case .sample:
                return SampleParams(model: model.model, count: count, seed: 1, output: output).json
            case .hello, .health, .models, .stats, .reload:
                return nil
            }
        }

        func run() throws {
            let session = try Session(connection)
            let hello = try session.hello()
            let params = try params(session)
            let line = RPCRequest(id: .number(JSONNumber(1)), method: method.rawValue, params: params).line
            guard line.count - 1 <= hello.maxLineBytes else {
                throw Failure(
                    .usage,
                    "one request is \(line.count - 1) bytes, over the daemon's max_line_bytes of "
                        + "\(hello.maxLineBytes); "
                        + (sendsRows(params) ? "send fewer --images" : "send fewer --images or use --payload u8"))
            }
            // One request alone first, so a refused request is one clear error rather than a run of them.
            _ = try session.call(method, params)
            let report = try LoadGenerator.run(
                LoadConfiguration(
                    path: session.connection.path, requestLine: line, connections: connections, depth: depth,
                    duration: duration, warmup: warmup, timeoutSeconds: connection.timeout, threads: threads,
                    spin: spin))
            if json {
                printJSON(
                    reportJSON(
                        report, model: params?["model"]?.stringValue,
                        requestBytes: line.count - 1, rows: sendsRows(params)))
            } else {
                print(reportText(report, requestBytes: line.count - 1, rows: sendsRows(params)))
            }
            if !report.failures.isEmpty {
                throw Failure(
                    .cannotConnect,
                    "\(report.failures.count) of \(connections) connections broke off: \(report.failures[0])")
            }
        }

        func microseconds(_ nanoseconds: Double) -> Double { (nanoseconds / 100).rounded() / 10 }

        func reportJSON(_ report: LoadReport, model: String?, requestBytes: Int, rows: Bool) -> JSONValue {
            let latency = report.latency
            var members = [
                JSONMember(key: "method", value: .string(method.rawValue)),
                JSONMember(key: "model", value: model.map { .string($0) } ?? .null),
                // decode and sample send codes or nothing: no payload kind.
                JSONMember(
                    key: "payload",
                    value: method != .encode && method != .denoise ? .null
                        : .string(rows ? "rows" : (payload ?? .u8).rawValue)),
                JSONMember(key: "images_per_request", value: .int(imagesPerRequest)),
                JSONMember(key: "request_bytes", value: .int(requestBytes)),
                JSONMember(key: "connections", value: .int(connections)),
                JSONMember(key: "depth", value: .int(depth)),
                JSONMember(key: "threads", value: .int(threads)),
                JSONMember(key: "spin", value: .bool(spin)),
                JSONMember(key: "duration_seconds", value: .double(duration)),
                JSONMember(key: "warmup_seconds", value: .double(warmup)),
                JSONMember(key: "measured_seconds", value: .double((report.seconds * 1000).rounded() / 1000)),
                JSONMember(key: "requests", value: .int(Int(report.responses))),
                JSONMember(key: "requests_per_second", value: .double((report.responsesPerSecond * 10).rounded() / 10)),
                JSONMember(
                    key: "images_per_second",
                    value: .double((report.responsesPerSecond * Double(imagesPerRequest) * 10).rounded() / 10)),
            ]
            members.append(
                JSONMember(
                    key: "latency_us",
                    value: .object([
                        JSONMember(key: "p50", value: .double(microseconds(Double(latency.percentile(50))))),
                        JSONMember(key: "p90", value: .double(microseconds(Double(latency.percentile(90))))),
                        JSONMember(key: "p99", value: .double(microseconds(Double(latency.percentile(99))))),
                        JSONMember(key: "p99_9", value: .double(microseconds(Double(latency.percentile(99.9))))),
                        JSONMember(key: "max", value: .double(microseconds(Double(latency.maximum)))),
                        JSONMember(key: "mean", value: .double(microseconds(latency.mean))),
                    ])))
            members.append(
                JSONMember(
                    key: "errors",
                    value: .object(
                        report.errors.sorted { $0.key < $1.key }.map {
                            JSONMember(key: $0.key, value: .int(Int($0.value)))
                        })))
            members.append(JSONMember(key: "error_count", value: .int(Int(report.errorCount))))
            members.append(JSONMember(key: "failed_connections", value: .strings(report.failures)))
            return .object(members)
        }

        func reportText(_ report: LoadReport, requestBytes: Int, rows sendsRows: Bool) -> String {
            let latency = report.latency
            func us(_ nanoseconds: Double) -> String {
                let value = microseconds(nanoseconds)
                return value >= 100 ? String(Int(value.rounded())) : String(value)
            }
            var what = "no params"
            if imagesPerRequest > 0 {
                let noun = method == .decode ? "code" : sendsRows ? "row" : "image"
                what = "\(imagesPerRequest) \(noun)\(imagesPerRequest == 1 ? "" : "s") per request"
                if (method == .encode || method == .denoise) && !sendsRows {
                    what += " as \((payload ?? .u8).rawValue)"
                }
            }
            let percentiles = [("p50", 50.0), ("p90", 90), ("p99", 99), ("p99.9", 99.9)]
                .map { "\($0.0) \(us(Double(latency.percentile($0.1))))" }
            var rows = [
                ["requests", "\(report.responses) in \(String(format: "%.1f", report.seconds)) s: \(Int(report.responsesPerSecond.rounded()))/s"]
            ]
            if imagesPerRequest > 0 {
                rows.append([
                    sendsRows ? "rows" : "images",
                    "\(Int((report.responsesPerSecond * Double(imagesPerRequest)).rounded()))/s",
                ])
            }
            rows.append([
                "latency µs",
                (percentiles + ["max \(us(Double(latency.maximum)))", "mean \(us(latency.mean))"])
                    .joined(separator: "  "),
            ])
            let errors = report.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            rows.append(["errors", errors.isEmpty ? "none" : errors.joined(separator: ", ")])
            let header =
                "bench \(method.rawValue): \(what) (\(requestBytes) bytes), "
                + "\(connections) connections × \(depth) in flight, \(warmup) s warm-up"
            return header + "\n" + Table(rows: rows).text
        }
    }
}

/// The methods `vaectl bench` can load-test: protocol v1's, less `reload` (which changes the daemon's state).
/// Any method but `reload` can be benchmarked (reloading in a loop measures file reads, not serving).
extension RPCMethod: ExpressibleByArgument {
    public init?(argument: String) {
        guard argument != RPCMethod.reload.rawValue else { return nil }
        self.init(rawValue: argument)
    }

    public static var allValueStrings: [String] { allCases.filter { $0 != .reload }.map(\.rawValue) }
}

extension BenchRequest.Payload: ExpressibleByArgument {}
extension ImageOutputFormat: ExpressibleByArgument {}
