import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Logging
import ServiceLifecycle
import VAENumerics
import VAEProtocol
import VAEFiles
import VAEFormat
import VAEGRPCTransport
import VAEHTTPTransport
import VAELineTransport
import VAEServing
import VAETransportSupport

@main
struct Vaed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vaed",
        abstract: "Serve .vaez models: JSON-RPC on a Unix socket, and the Open Inference Protocol over HTTP and gRPC.",
        discussion: """
            The socket is --socket, else $VAED_SOCKET, else $XDG_RUNTIME_DIR/vaed.sock, else \
            /tmp/vaed-<uid>/vaed.sock (in a 0700 directory). It is created with --socket-mode; a stale socket file \
            is replaced, a live daemon on the path is never displaced. Under systemd socket activation (LISTEN_PID \
            and LISTEN_FDS) it serves fd 3 as given.
            --http and --grpc serve the Open Inference Protocol (KServe V2; Formats/open-inference.md) with the \
            same engine; their host defaults to 127.0.0.1. /metrics (Prometheus) is on --http, or on --metrics.
            Signals: SIGTERM or SIGINT turn readiness false, wait --shutdown-delay, drain and exit 0 (a second one exits at once, status 130); SIGHUP reloads \
            the models like the `reload` method.
            """,
        version: "0.1.0"
    )

    @Option(name: .customLong("model"), help: "A model to serve, as NAME=FILE or FILE (named by its stem); a training folder means its model.vaez (repeatable).")
    var models: [String] = []

    @Option(help: "Serve every *.vaez in this folder, named by file stem; changed files are reloaded.")
    var modelDir: String?

    @Option(help: "The socket path.")
    var socket: String?

    @Flag(help: "No Unix socket: serve only --http and --grpc.")
    var noSocket = false

    @Option(help: ArgumentHelp("Serve the V2 REST API and /metrics on HOST:PORT (or PORT, on 127.0.0.1).", valueName: "address"))
    var http: String?

    @Option(help: ArgumentHelp("Serve the V2 gRPC API (Triton's GRPCInferenceService) on HOST:PORT (or PORT, on 127.0.0.1).", valueName: "address"))
    var grpc: String?

    @Option(help: ArgumentHelp("Serve /metrics alone on HOST:PORT (or PORT, on 127.0.0.1).", valueName: "address"))
    var metrics: String?

    @Option(help: ArgumentHelp("Require 'Authorization: Bearer <token>' on HTTP and gRPC requests but health probes; the token is this file's content.", valueName: "file"))
    var authTokenFile: String?

    @Option(help: "Largest HTTP request body or gRPC request message, in bytes.")
    var maxRequestBytes: Int = 64 << 20

    @Option(help: "Seconds between readiness turning false at SIGTERM and the listeners closing (a load balancer's time to stop sending).")
    var shutdownDelay: Double = 0

    @Option(help: "Mode of the socket file, in octal (0660 lets the group connect).")
    var socketMode: String = "0600"

    @Option(help: "Longest accepted request line, in bytes.")
    var maxLineBytes: Int = 1 << 20

    @Option(help: "Most images or codes in one request.")
    var maxBatch: Int = 256

    @Option(help: "Most rows in one compute batch, gathered from every connection (1 turns batching off).")
    var maxBatchRows: Int = 256

    @Option(help: "Microseconds a started batch may wait for requests already on their way (0: never wait).")
    var batchWindowUs: Int = 200

    @Option(help: "A request of at most this many rows runs on its event loop when the compute threads are idle and nothing is queued (0: never).")
    var inlineRows: Int = 2

    @Option(help: "Most rows queued per model; beyond it requests get `overloaded`.")
    var maxQueue: Int = 4096

    @Option(help: "Unanswered requests per connection before it stops being read.")
    var maxPipeline: Int = 128

    @Option(help: "Most client connections at once.")
    var maxConnections: Int = 1024

    // Optional, so the help says "all cores" instead of adding this machine's count as a second default.
    @Option(name: .customLong("threads"), help: "Compute threads (default: the cores this process may use, within its CPU affinity and container CPU quota).")
    var threadOption: Int?

    var threads: Int { threadOption ?? CPUBudget.cores }

    @Option(help: "Seconds that in-flight requests get to finish on shutdown.")
    var drainTimeout: Double = 10

    @Option(help: "Seconds between checks of --model-dir for changed files (0: only reload on SIGHUP or `reload`).")
    var watchInterval: Double = 1

    func validate() throws {
        // Listen addresses are usage errors, found before any model is loaded.
        var ports: [Int: String] = [:]
        for (flag, value) in [("--http", http), ("--grpc", grpc), ("--metrics", metrics)] {
            guard let value else { continue }
            let address: ListenAddress
            do {
                address = try ListenAddress(parsing: value, flag: flag)
            } catch {
                throw ValidationError("\(error)")
            }
            if address.port != 0, let other = ports[address.port] {
                throw ValidationError("\(other) and \(flag) both ask for port \(address.port); give each its own")
            }
            ports[address.port] = flag
        }
        if authTokenFile != nil && http == nil && grpc == nil && metrics == nil {
            throw ValidationError("--auth-token-file guards --http, --grpc and --metrics, and none is given (the Unix socket is guarded by its file mode, --socket-mode)")
        }
        guard mode_t(socketMode, radix: 8).map({ $0 & ~0o777 == 0 }) == true else {
            throw ValidationError("--socket-mode must be an octal mode such as 0600 or 0660 (got '\(socketMode)')")
        }
        guard maxLineBytes >= 1024 else { throw ValidationError("--max-line-bytes must be at least 1024 (got \(maxLineBytes))") }
        for (name, value) in [("--max-batch", maxBatch), ("--max-batch-rows", maxBatchRows), ("--threads", threads),
                              ("--max-queue", maxQueue), ("--max-pipeline", maxPipeline), ("--max-connections", maxConnections)]
        where value < 1 {
            throw ValidationError("\(name) must be at least 1 (got \(value))")
        }
        guard maxBatchRows <= 65536, maxBatch <= 65536 else { throw ValidationError("--max-batch and --max-batch-rows must be at most 65536") }
        guard inlineRows >= 0, inlineRows <= 256 else { throw ValidationError("--inline-rows must be between 0 and 256 (got \(inlineRows))") }
        guard batchWindowUs >= 0, batchWindowUs <= 1_000_000 else {
            throw ValidationError("--batch-window-us must be between 0 and 1000000 (got \(batchWindowUs))")
        }
        guard drainTimeout >= 0, drainTimeout.isFinite else { throw ValidationError("--drain-timeout must not be negative") }
        guard watchInterval >= 0, watchInterval.isFinite else { throw ValidationError("--watch-interval must not be negative") }
        guard shutdownDelay >= 0, shutdownDelay <= 3600 else { throw ValidationError("--shutdown-delay must be between 0 and 3600 seconds") }
        guard maxRequestBytes >= 1024 else { throw ValidationError("--max-request-bytes must be at least 1024 (got \(maxRequestBytes))") }
        if noSocket {
            guard socket == nil else { throw ValidationError("--no-socket and --socket contradict each other; give one") }
            guard http != nil || grpc != nil else { throw ValidationError("--no-socket leaves nothing to serve; add --http or --grpc") }
        }
    }

    func run() async throws {
        // Checked here, not in validate(): argument-parser validates before it reports unknown options, and a
        // mistyped `--modle` must be named as such rather than reported as a missing --model.
        guard !models.isEmpty || modelDir != nil else {
            throw ValidationError("give at least one --model NAME=FILE (or just FILE) or a --model-dir")
        }
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "vaed")
        let started = ContinuousClock.now
        // The compute threads are the parallelism; a GEMM that spawned its own threads would fight them.
        GEMM.setThreadCount(1)
        MemoryPolicy.apply()
        let catalog: ModelCatalog
        do {
            catalog = try ModelCatalog(explicit: try modelSpecs(), directory: modelDir, logger: logger)
        } catch let error as CatalogError {
            logger.error("\(error)")
            throw ExitCode(1)
        }
        let http: ListenAddress?, grpcAddress: ListenAddress?, metricsAddress: ListenAddress?, token: BearerToken?
        do {
            http = try self.http.map { try ListenAddress(parsing: $0, flag: "--http") }
            grpcAddress = try grpc.map { try ListenAddress(parsing: $0, flag: "--grpc") }
            metricsAddress = try metrics.map { try ListenAddress(parsing: $0, flag: "--metrics") }
            token = try authTokenFile.map { try BearerToken(contentsOfFile: $0, reading: { try Files.read($0) }) }
        } catch {
            logger.error("\(error)")
            throw ExitCode(1)
        }
        let activated = noSocket ? nil : SocketActivation.takeListeningSocket()
        let path = SocketPath.resolve(explicit: socket)
        if activated == nil && !noSocket {
            do {
                try LineServer.claimSocketPath(path)
            } catch {
                logger.error("\(error)")
                throw ExitCode(1)
            }
        }
        let engine = ServingEngine(
            catalog: catalog, limits: ServingLimits(maxBatch: maxBatch),
            batching: BatchingConfiguration(maxBatchRows: maxBatchRows, window: .microseconds(batchWindowUs),
                                            maxQueueRows: maxQueue, threads: threads, inlineRows: inlineRows),
            version: Self.configuration.version, deliver: EventLoopBatching.gatherEventLoopHops)
        var services: [any Service] = [engine]
        if !noSocket {
            services.append(LineServer(
            configuration: LineServerConfiguration(
                socketPath: path, socketMode: mode_t(socketMode, radix: 8)!, activatedSocket: activated,
                maxPipeline: maxPipeline, maxConnections: maxConnections,
                drainTimeout: .milliseconds(Int(drainTimeout * 1000))),
            responder: LineResponder(engine: engine, maxLineBytes: maxLineBytes), logger: logger))
        }
        let router = V2Router(engine: engine, token: token) { engine.statistics.prometheusExposition() }
        for (address, role) in [(http, "http"), (metricsAddress, "metrics")] {
            guard let address else { continue }
            services.append(HTTPServer(
                configuration: HTTPServerConfiguration(
                    address: address, role: role, maxConnections: maxConnections, maxBodyBytes: maxRequestBytes,
                    drainTimeout: .milliseconds(Int(drainTimeout * 1000))),
                router: role == "http" ? router : router.metricsRouter, logger: logger))
        }
        if let grpcAddress {
            services.append(GRPCInferenceServer(
                configuration: GRPCServerConfiguration(
                    address: grpcAddress, maxConnections: maxConnections, maxMessageBytes: maxRequestBytes,
                    drainTimeout: .milliseconds(Int(drainTimeout * 1000))),
                engine: engine, token: token, logger: logger))
        }
        if watchInterval > 0 {
            services.append(ModelDirectoryWatch(engine: engine, every: .milliseconds(Int(watchInterval * 1000)), logger: logger))
        }
        // Last, so graceful shutdown reaches it first: readiness turns false before any listener closes.
        services.append(ShutdownDelay(engine: engine, delay: .milliseconds(Int(shutdownDelay * 1000)), logger: logger))
        let signals = SignalWatch(socketPath: activated == nil && !noSocket ? path : nil, logger: logger) { engine.reloadInBackground() }
        let models = catalog.registry.current.values.sorted { $0.name < $1.name }
        logger.info("started", metadata: [
            "ms": "\(((ContinuousClock.now - started).inSeconds * 1e4).rounded() / 10)", "gemm": "\(GEMM.kernels)",
            "models": "\(models.map { "\($0.name)=\($0.fileSHA256.prefix(12))" }.joined(separator: ","))",
            "threads": "\(threads)", "max_batch_rows": "\(maxBatchRows)",
        ])
        if !GEMM.kernels.usesBestKernels {
            logger.warning("GEMM kernels weaker than this CPU allows", metadata: ["gemm": "\(GEMM.kernels)"])
        }
        // Graceful shutdown runs in reverse: the transports drain first, then the engine stops its compute threads.
        let group = ServiceGroup(configuration: .init(
            services: services.map {
                // A listener that cannot start ends the others gracefully: the sockets close and vaed exits 1.
                .init(service: $0, failureTerminationBehavior: .gracefullyShutdownGroup)
            }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let trimming = Task { await MemoryPolicy.trimPeriodically(every: .seconds(1)) }
        defer { trimming.cancel() }
        do {
            try await group.run()
        } catch let error as ListenError {
            logger.error("\(error)")
            throw ExitCode(1)
        }
        withExtendedLifetime(signals) {}
    }

    /// The `--model` values as names and paths: `NAME=FILE`, or a bare FILE named by its stem as `--model-dir`
    /// names files (a training folder by its own name). The catalog reads a folder's model.vaez.
    func modelSpecs() throws -> [(name: String, path: String)] {
        try models.map { spec in
            if let equals = spec.firstIndex(of: "=") {
                guard equals != spec.startIndex, spec.index(after: equals) != spec.endIndex else {
                    throw ValidationError("--model takes FILE or NAME=FILE (got '\(spec)')")
                }
                return (String(spec[..<equals]), String(spec[spec.index(after: equals)...]))
            }
            let stem = VAEZReader.servedName(spec)
            guard !stem.isEmpty else { throw ValidationError("--model \(spec) has no file name to name the model by; give NAME=FILE") }
            return (stem, spec)
        }
    }
}
