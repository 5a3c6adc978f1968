import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import VAENumerics
import VAEProtocol
import VAEServer

@main
struct Vaed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vaed",
        abstract: "Serve .vaez models over a Unix socket: line-delimited JSON-RPC 2.0 (Formats/protocol.md).",
        discussion: """
            The socket is --socket, else $VAED_SOCKET, else $XDG_RUNTIME_DIR/vaed.sock, else \
            /tmp/vaed-<uid>/vaed.sock (in a 0700 directory). It is created with --socket-mode; a stale socket file \
            is replaced, a live daemon on the path is never displaced. SIGTERM or SIGINT drain and exit 0.
            """,
        version: "0.1.0"
    )

    @Option(name: .customLong("model"), help: "A model to serve, as NAME=FILE (repeatable).")
    var models: [String] = []

    @Option(help: "Serve every *.vaez in this folder, named by file stem.")
    var modelDir: String?

    @Option(help: "The socket path.")
    var socket: String?

    @Option(help: "Mode of the socket file, in octal (0660 lets the group connect).")
    var socketMode: String = "0600"

    @Option(help: "Longest accepted request line, in bytes.")
    var maxLineBytes: Int = 1 << 20

    @Option(help: "Most images or codes in one request.")
    var maxBatch: Int = 256

    @Option(help: "Compute threads (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Seconds that in-flight requests get to finish on shutdown.")
    var drainTimeout: Double = 10

    func validate() throws {
        guard !models.isEmpty || modelDir != nil else {
            throw ValidationError("give at least one --model NAME=FILE or a --model-dir")
        }
        guard mode_t(socketMode, radix: 8).map({ $0 & ~0o777 == 0 }) == true else {
            throw ValidationError("--socket-mode must be an octal mode such as 0600 or 0660 (got '\(socketMode)')")
        }
        guard maxLineBytes >= 1024, maxBatch >= 1, threads >= 1, drainTimeout >= 0, drainTimeout.isFinite else {
            throw ValidationError("--max-line-bytes must be at least 1024, --max-batch and --threads at least 1, --drain-timeout not negative")
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "vaed")
        let served = try loadModels(logger: logger)
        let path = SocketPath.resolve(explicit: socket)
        do {
            try Daemon.claimSocketPath(path)
        } catch {
            logger.error("\(error)")
            throw ExitCode(1)
        }
        let daemon = Daemon(
            configuration: DaemonConfiguration(
                socketPath: path, socketMode: mode_t(socketMode, radix: 8)!,
                limits: ServerLimits(maxLineBytes: maxLineBytes, maxBatch: maxBatch), computeThreads: threads,
                drainTimeout: .milliseconds(Int(drainTimeout * 1000))),
            models: served, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: daemon)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    func loadModels(logger: Logger) throws -> [ServedModel] {
        var specs: [(String, String)] = []
        for spec in models {
            guard let equals = spec.firstIndex(of: "="), equals != spec.startIndex, spec.index(after: equals) != spec.endIndex else {
                throw ValidationError("--model takes NAME=FILE (got '\(spec)')")
            }
            specs.append((String(spec[..<equals]), String(spec[spec.index(after: equals)...])))
        }
        if let modelDir {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: modelDir)) ?? []
            for file in names.sorted() where file.hasSuffix(".vaez") {
                specs.append((String(file.dropLast(5)), "\(modelDir)/\(file)"))
            }
            if !names.contains(where: { $0.hasSuffix(".vaez") }) && models.isEmpty {
                logger.error("no .vaez files in \(modelDir)")
                throw ExitCode(1)
            }
        }
        var served: [ServedModel] = []
        for (name, path) in specs {
            guard !served.contains(where: { $0.name == name }) else { throw ValidationError("two models are named '\(name)'") }
            let start = ContinuousClock.now
            do {
                let model = try ServedModel(name: name, path: path)
                served.append(model)
                let milliseconds = (ContinuousClock.now - start).inSeconds * 1e3
                logger.info("loaded", metadata: ["model": "\(name)", "file": "\(path)", "sha256": "\(model.fileSHA256)",
                                                 "ms": "\(milliseconds)"])
            } catch {
                logger.error("cannot load model '\(name)' from \(path): \(error)")
                throw ExitCode(1)
            }
        }
        return served
    }
}
