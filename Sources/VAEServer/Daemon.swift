import Foundation
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
    public var limits: ServerLimits
    public var computeThreads: Int
    /// How long in-flight requests may take to finish after SIGTERM or SIGINT.
    public var drainTimeout: Duration

    public init(socketPath: String, socketMode: mode_t = 0o600, limits: ServerLimits = .init(), computeThreads: Int = 1,
                drainTimeout: Duration = .seconds(10)) {
        self.socketPath = socketPath
        self.socketMode = socketMode
        self.limits = limits
        self.computeThreads = computeThreads
        self.drainTimeout = drainTimeout
    }
}

/// vaed as a service: listens on a Unix socket and answers line-delimited JSON-RPC 2.0 with the loaded models.
///
/// Each connection is read one line at a time and answered in order; the work runs on the compute threads.
/// On graceful shutdown it stops accepting, lets every connection finish the request it is on (up to the drain
/// timeout), answers model requests that arrive meanwhile with `shutting_down`, and removes its socket file.
public final class Daemon: Service, Sendable {
    let configuration: DaemonConfiguration
    let models: [ServedModel]
    let logger: Logger
    private let connections = NIOLockedValueBox<[ObjectIdentifier: Channel]>([:])
    private let statistics = ServerStatistics()
    private let listener = NIOLockedValueBox<Channel?>(nil)

    public init(configuration: DaemonConfiguration, models: [ServedModel], logger: Logger) {
        self.configuration = configuration
        self.models = models
        self.logger = logger
    }

    /// Checks the socket path: refuses a live daemon or a non-socket, removes a stale socket file.
    public static func claimSocketPath(_ path: String) throws {
        try SocketPath.preparePrivateDirectory(for: path)
        switch SocketProbe.probe(path) {
        case .absent: break
        case .live: throw SocketError("already running at \(path)")
        case .notASocket: throw SocketError("\(path) exists and is not a socket; remove it or choose another --socket")
        case .stale:
            guard unlink(path) == 0 else { throw SocketError("cannot remove the stale socket \(path): \(String(cString: strerror(errno)))") }
        }
    }

    public func run() async throws {
        let pool = HandlerPool(models: models, limits: configuration.limits, threads: configuration.computeThreads,
                               control: statistics)
        let path = configuration.socketPath
        let maxLine = configuration.limits.maxLineBytes
        // The socket file is created with the right mode: no moment exists where others could connect.
        let previousMask = umask(~configuration.socketMode & 0o777)
        let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                // A client may send its requests and half-close (as `printf … | nc -U` does); it still gets answers.
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(unixDomainSocketPath: path) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // +2: the line ending; a longer line is refused with line_too_long.
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(LineBasedFrameDecoder(), maximumBufferSize: maxLine + 2))
                        // Deliberately the deinit-closing initializer: a connection accepted while the listener
                        // closes is dropped unserved (apple/swift-nio#2813); the scoped initializer's writer then
                        // traps on deinit, this one just closes the connection.
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(synchronouslyWrapping: channel)
                    }
                }
            umask(previousMask)
        } catch {
            umask(previousMask)
            try? await pool.shutdown()
            throw SocketError("cannot listen on \(path): \(error)")
        }
        listener.withLockedValue { $0 = server.channel }
        logger.info("listening", metadata: ["socket": "\(path)", "models": "\(models.map { "\($0.name)=\($0.fileSHA256.prefix(12))" }.joined(separator: ","))"])
        defer {
            unlink(path)
            logger.info("stopped", metadata: ["socket": "\(path)"])
        }

        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await self.serve(connection, pool: pool) }
                    }
                }
            }
        } onGracefulShutdown: {
            self.beginShutdown(pool: pool)
        }
        try? await pool.shutdown()
    }

    /// Stop accepting; let each connection finish its current request, then close it; force-close at the deadline.
    private func beginShutdown(pool: HandlerPool) {
        logger.info("shutting down", metadata: ["drain_timeout": "\(configuration.drainTimeout)"])
        pool.draining = true
        listener.withLockedValue { $0?.close(promise: nil) }
        let open = connections.withLockedValue { Array($0.values) }
        for channel in open { channel.close(mode: .input, promise: nil) }
        let deadline = configuration.drainTimeout
        let connections = self.connections
        Task {
            try? await Task.sleep(for: deadline)
            for channel in connections.withLockedValue({ Array($0.values) }) { channel.close(promise: nil) }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, pool: HandlerPool) async {
        if let refusal = await PeerCredentials.refusal(for: connection.channel, socketMode: configuration.socketMode) {
            logger.warning("refused a connection", metadata: ["reason": "\(refusal)"])
            try? await connection.executeThenClose { _, _ in }
            return
        }
        let key = ObjectIdentifier(connection.channel)
        connections.withLockedValue { $0[key] = connection.channel }
        statistics.connectionOpened()
        defer {
            connections.withLockedValue { _ = $0.removeValue(forKey: key) }
            statistics.connectionClosed()
        }
        if pool.draining { connection.channel.close(mode: .input, promise: nil) }
        do {
            try await connection.executeThenClose { inbound, outbound in
                do {
                    for try await line in inbound {
                        let arrived = ContinuousClock.now
                        statistics.lineStarted()
                        var records: [RequestRecord] = []
                        defer {
                            let took = ContinuousClock.now - arrived
                            statistics.lineFinished(records, microseconds: took.inSeconds * 1e6)
                        }
                        let (response, answered) = try await pool.respond(to: Array(line.readableBytesView))
                        records = answered
                        if let response { try await outbound.write(ByteBuffer(bytes: response)) }
                    }
                } catch is ByteToMessageDecoderError.PayloadTooLargeError {
                    let limit = configuration.limits.maxLineBytes
                    try await outbound.write(ByteBuffer(bytes: RPCResponse.failure(id: .null, .lineTooLong(limit: limit))))
                }
            }
        } catch {
            // One client's trouble (a reset, a half-written line at EOF) never reaches the server.
            logger.debug("connection ended", metadata: ["error": "\(error)"])
        }
    }
}
