#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOPosix
import ServiceLifecycle
import VAENumerics
import VAEProtocol

/// How the daemon listens and how hard it works.
public struct DaemonConfiguration: Sendable {
    public var socketPath: String
    /// Mode of the socket file (0600: only this user; 0660 lets the group in).
    public var socketMode: mode_t
    /// A listening socket passed in by systemd (fd 3): served as is, never chmod-ed or unlinked.
    public var activatedSocket: Int32?
    public var limits: ServerLimits
    public var batching: BatchingConfiguration
    /// Unanswered lines per connection before it stops being read.
    public var maxPipeline: Int
    public var maxConnections: Int
    /// How long in-flight requests may take to finish after SIGTERM or SIGINT.
    public var drainTimeout: Duration
    /// How often a `--model-dir` is checked for changed files (nil: never).
    public var watchInterval: Duration?

    public init(socketPath: String, socketMode: mode_t = 0o600, activatedSocket: Int32? = nil,
                limits: ServerLimits = .init(), batching: BatchingConfiguration = .init(), maxPipeline: Int = 128,
                maxConnections: Int = 1024, drainTimeout: Duration = .seconds(10), watchInterval: Duration? = .seconds(1)) {
        self.socketPath = socketPath
        self.socketMode = socketMode
        self.activatedSocket = activatedSocket
        self.limits = limits
        self.batching = batching
        self.maxPipeline = maxPipeline
        self.maxConnections = maxConnections
        self.drainTimeout = drainTimeout
        self.watchInterval = watchInterval
    }
}

/// vaed as a service: listens on a Unix socket and answers line-delimited JSON-RPC 2.0 with the catalog's models.
///
/// Each connection is read line by line; model work from every connection is batched on the compute threads, and
/// answers go back in each connection's order. On graceful shutdown it stops accepting, lets queued and running
/// work finish (up to the drain timeout, after which what is still queued is answered `shutting_down`), and
/// removes the socket file it created.
public final class Daemon: Service, Sendable {
    let configuration: DaemonConfiguration
    let catalog: ModelCatalog
    let logger: Logger
    let serverVersion: String
    private let connections = NIOLockedValueBox<[ObjectIdentifier: Channel]>([:])
    private let statistics = ServerStatistics()
    private let listener = NIOLockedValueBox<Channel?>(nil)
    private let engine: ServingEngine

    public init(configuration: DaemonConfiguration, catalog: ModelCatalog, logger: Logger, serverVersion: String = "0.1.0") {
        self.configuration = configuration
        self.catalog = catalog
        self.logger = logger
        self.serverVersion = serverVersion
        let scheduler = BatchScheduler(configuration: configuration.batching)
        scheduler.serving(Array(catalog.registry.current.values))
        catalog.onChange { scheduler.serving($0) }
        let control = DaemonControl(statistics: statistics, scheduler: scheduler, catalog: catalog)
        let handler = MethodHandler(registry: catalog.registry, limits: configuration.limits, serverVersion: serverVersion,
                                    control: control)
        engine = ServingEngine(handler: handler, scheduler: scheduler)
    }

    /// Checks the socket path: refuses a live daemon or a non-socket, removes a stale socket file.
    public static func claimSocketPath(_ path: String) throws {
        try SocketPath.preparePrivateDirectory(for: path)
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        var info = stat()
        guard folder.isEmpty || (stat(folder, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR) else {
            throw SocketError("the folder \(folder) of the socket \(path) does not exist; create it or choose another --socket")
        }
        switch SocketProbe.probe(path) {
        case .absent: break
        case .live: throw SocketError("already running at \(path)")
        case .notASocket: throw SocketError("\(path) exists and is not a socket; remove it or choose another --socket")
        case .stale:
            guard unlink(path) == 0 else { throw SocketError("cannot remove the stale socket \(path): \(String(cString: strerror(errno)))") }
        }
    }

    /// Reloads the models as the `reload` method does (SIGHUP).
    public func reloadInBackground() {
        engine.reloadInBackground()
    }

    public func run() async throws {
        let server = try await listen()
        let source = configuration.activatedSocket.map { "systemd fd \($0)" } ?? configuration.socketPath
        let models = catalog.registry.current.values.sorted { $0.name < $1.name }
        logger.info("listening", metadata: [
            "socket": "\(source)", "models": "\(models.map { "\($0.name)=\($0.fileSHA256.prefix(12))" }.joined(separator: ","))",
            "threads": "\(configuration.batching.threads)", "max_batch_rows": "\(configuration.batching.maxBatchRows)",
        ])
        defer {
            if configuration.activatedSocket == nil { unlink(configuration.socketPath) }
            logger.info("stopped", metadata: ["socket": "\(source)"])
        }

        var watcher: Task<Void, Never>?
        if let interval = configuration.watchInterval, catalog.directory != nil {
            watcher = Task { await self.watchModelDirectory(every: interval) }
        }
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await channel in inbound {
                        group.addTask { await self.serve(channel) }
                    }
                }
            }
        } onGracefulShutdown: {
            self.beginShutdown()
        }
        watcher?.cancel()
        engine.scheduler.shutdown()
    }

    /// Binds the socket (or adopts systemd's); each admitted connection gets the line framing and request handler.
    private func listen() async throws -> NIOAsyncChannel<Channel, Never> {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            // A client may send its requests and half-close (as `printf … | nc -U` does); it still gets answers.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
        let initialize: @Sendable (Channel) -> EventLoopFuture<Channel> = { channel in self.admit(channel) }
        let server: NIOAsyncChannel<Channel, Never>
        if let fd = configuration.activatedSocket {
            do {
                server = try await bootstrap.bind(fd, childChannelInitializer: initialize)
            } catch {
                throw SocketError("cannot serve the socket systemd passed (fd \(fd)): \(error)")
            }
        } else {
            // The socket file is created with the right mode: no moment exists where others could connect.
            let previousMask = umask(~configuration.socketMode & 0o777)
            defer { umask(previousMask) }
            do {
                server = try await bootstrap.bind(unixDomainSocketPath: configuration.socketPath, childChannelInitializer: initialize)
            } catch {
                let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
                throw SocketError("cannot listen on \(configuration.socketPath): \(reason)")
            }
        }
        listener.withLockedValue { $0 = server.channel }
        return server
    }

    /// On the connection's event loop, before anything is read: checks the peer and the connection limit, then
    /// sets up the pipeline. A refused connection is closed (after one `overloaded` line when over the limit).
    private func admit(_ channel: Channel) -> EventLoopFuture<Channel> {
        PeerCredentials.refusal(for: channel, socketMode: configuration.socketMode).flatMap { refusal in
            if let refusal {
                self.statistics.connectionRefused()
                self.logger.warning("refused a connection", metadata: ["reason": "\(refusal)"])
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ConnectionRefusal(answer: nil))
                    return channel
                }
            }
            let key = ObjectIdentifier(channel)
            let limit = self.configuration.maxConnections
            let admitted = self.connections.withLockedValue { open in
                guard open.count < limit else { return false }
                open[key] = channel
                return true
            }
            guard admitted else {
                self.statistics.connectionRefused()
                self.logger.warning("refused a connection", metadata: ["reason": "already \(limit) connections (--max-connections)"])
                let refusal = RPCResponse.failure(id: .null, .tooManyConnections(limit: limit))
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ConnectionRefusal(answer: refusal))
                    return channel
                }
            }
            self.statistics.connectionOpened()
            channel.closeFuture.whenComplete { _ in
                self.connections.withLockedValue { _ = $0.removeValue(forKey: key) }
                self.statistics.connectionClosed()
            }
            let maxLine = self.configuration.limits.maxLineBytes
            return channel.eventLoop.makeCompletedFuture {
                // +2: the line ending. An unfinished line past this is refused with line_too_long; a finished
                // one over the limit is refused by RequestLineHandler (the framing does not measure it).
                try channel.pipeline.syncOperations.addHandler(
                    ByteToMessageHandler(LineBasedFrameDecoder(), maximumBufferSize: maxLine + 2))
                try channel.pipeline.syncOperations.addHandler(RequestLineHandler(
                    engine: self.engine, statistics: self.statistics, maxPipeline: self.configuration.maxPipeline,
                    maxLineBytes: maxLine))
                return channel
            }
        }
    }

    /// Stop accepting and reading; let queued and running work finish; at the deadline answer what is still queued
    /// with `shutting_down` and close every connection.
    private func beginShutdown() {
        logger.info("shutting down", metadata: ["drain_timeout": "\(configuration.drainTimeout)"])
        engine.draining = true
        listener.withLockedValue { $0?.close(promise: nil) }
        for channel in connections.withLockedValue({ Array($0.values) }) {
            // Only an active channel's input can be closed (NIO asserts it is registered); one that is not active
            // yet closes its own input when it becomes active (RequestLineHandler.channelActive).
            channel.eventLoop.execute {
                if channel.isActive { channel.close(mode: .input, promise: nil) }
            }
        }
        let deadline = configuration.drainTimeout
        let connections = self.connections, scheduler = engine.scheduler, logger = self.logger
        Task {
            try? await Task.sleep(for: deadline)
            let open = connections.withLockedValue { Array($0.values) }
            guard !open.isEmpty else { return }
            logger.warning("drain timeout: answering queued work with shutting_down", metadata: ["connections": "\(open.count)"])
            scheduler.abandonQueued(with: .shuttingDown)
            try? await Task.sleep(for: .milliseconds(200))
            for channel in connections.withLockedValue({ Array($0.values) }) { channel.close(promise: nil) }
        }
    }

    /// Waits for a connection to end: its requests are handled on its event loop by `RequestLineHandler`.
    private func serve(_ channel: Channel) async {
        try? await channel.closeFuture.get()
    }

    /// Polls `--model-dir` and reloads when a file appears, changes or goes.
    private func watchModelDirectory(every interval: Duration) async {
        var signature = catalog.directorySignature()
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let now = catalog.directorySignature()
            if now != signature {
                signature = now
                logger.info("model directory changed; reloading", metadata: ["directory": "\(catalog.directory ?? "")"])
                engine.reloadInBackground()
            }
        }
    }
}
