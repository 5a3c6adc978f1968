#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import NIOCore
import NIOExtras
import NIOPosix
import ServiceLifecycle
import VAEProtocol
import VAEServing
import VAETransportSupport

/// How the line transport listens.
package struct LineServerConfiguration: Sendable {
    package var socketPath: String
    /// Mode of the socket file (0600: only this user; 0660 lets the group in).
    package var socketMode: mode_t
    /// A listening socket passed in by systemd (fd 3): served as is, never chmod-ed or unlinked.
    package var activatedSocket: Int32?
    /// Unanswered lines per connection before it stops being read.
    package var maxPipeline: Int
    package var maxConnections: Int
    /// How long in-flight requests may take to finish after graceful shutdown begins.
    package var drainTimeout: Duration

    package init(socketPath: String, socketMode: mode_t = 0o600, activatedSocket: Int32? = nil, maxPipeline: Int = 128,
                maxConnections: Int = 1024, drainTimeout: Duration = .seconds(10)) {
        self.socketPath = socketPath
        self.socketMode = socketMode
        self.activatedSocket = activatedSocket
        self.maxPipeline = maxPipeline
        self.maxConnections = maxConnections
        self.drainTimeout = drainTimeout
    }
}

/// Protocol v1 on a Unix socket (line-delimited JSON-RPC 2.0), as a service.
///
/// The work happens in channel handlers on the event loops (`RequestLineHandler`), not in a task per connection:
/// a request's path stays on its event loop except for model compute, which is measured to matter at tens of
/// thousands of requests a second. On graceful shutdown, swift-nio-extras' `ServerQuiescingHelper` closes the
/// listener and tells every connection to quiesce: each stops reading, writes what it owes and closes. At the drain
/// timeout what is still queued is answered `shutting_down` and the remaining connections are closed. The socket
/// file it created is removed.
package final class LineServer: Service, Sendable {
    let configuration: LineServerConfiguration
    let responder: LineResponder
    let logger: Logger
    private let connections: OpenConnections

    package init(configuration: LineServerConfiguration, responder: LineResponder, logger: Logger) {
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
        connections = OpenConnections(limit: configuration.maxConnections)
    }

    /// Checks the socket path: refuses a live daemon or a non-socket, removes a stale socket file.
    package static func claimSocketPath(_ path: String) throws {
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

    package func run() async throws {
        let quiescing = ServerQuiescingHelper(group: MultiThreadedEventLoopGroup.singleton)
        let server = try await listen(quiescing)
        let source = configuration.activatedSocket.map { "systemd fd \($0)" } ?? configuration.socketPath
        let engine = responder.engine
        logger.info("listening", metadata: ["socket": "\(source)"])
        defer {
            if configuration.activatedSocket == nil { unlink(configuration.socketPath) }
            logger.info("stopped", metadata: ["socket": "\(source)"])
        }
        let drained = server.eventLoop.makePromise(of: Void.self)
        try await withGracefulShutdownHandler {
            // Closed by the quiescing helper at shutdown (or by an error).
            // Cancelled (another service failed): the listener closes, and with it this wait.
            try await withTaskCancellationHandler {
                try await server.closeFuture.get()
            } onCancel: {
                server.close(promise: nil)
            }
        } onGracefulShutdown: {
            self.logger.info("shutting down", metadata: ["drain_timeout": "\(self.configuration.drainTimeout)"])
            engine.beginDraining()
            quiescing.initiateShutdown(promise: drained)
        }
        await connections.drain(until: drained.futureResult, timeout: configuration.drainTimeout, engine: engine,
                                logger: logger)
        drained.succeed()  // when the listener closed for another reason; a no-op once quiesced
    }

    /// Binds the socket (or adopts systemd's) with the quiescing helper on the listener and each admitted
    /// connection's line framing and handler.
    private func listen(_ quiescing: ServerQuiescingHelper) async throws -> any Channel {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            // A client may send its requests and half-close (as `printf … | nc -U` does); it still gets answers.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in self.admit(channel) }
        if let fd = configuration.activatedSocket {
            do {
                return try await bootstrap.withBoundSocket(fd).get()
            } catch {
                throw SocketError("cannot serve the socket systemd passed (fd \(fd)): \(error)")
            }
        }
        // The socket file is created with the right mode: no moment exists where others could connect.
        let previousMask = umask(~configuration.socketMode & 0o777)
        defer { umask(previousMask) }
        do {
            return try await bootstrap.bind(unixDomainSocketPath: configuration.socketPath).get()
        } catch {
            let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
            throw SocketError("cannot listen on \(configuration.socketPath): \(reason)")
        }
    }

    /// On the connection's event loop, before anything is read: checks the peer and the connection limit, then
    /// sets up the pipeline. A refused connection is closed (after one `overloaded` line when over the limit).
    private func admit(_ channel: any Channel) -> EventLoopFuture<Void> {
        let statistics = responder.engine.statistics
        return PeerCredentials.refusal(for: channel, socketMode: configuration.socketMode).flatMap { refusal in
            if let refusal {
                statistics.connectionRefused(.unix)
                self.logger.warning("refused a connection", metadata: ["reason": "\(refusal)"])
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ConnectionRefusal(answer: nil))
                }
            }
            guard self.connections.admit(channel, onClose: { statistics.connectionClosed(.unix) }) else {
                let limit = self.connections.limit
                statistics.connectionRefused(.unix)
                self.logger.warning("refused a connection", metadata: ["reason": "already \(limit) connections (--max-connections)"])
                let refusal = RPCResponse.failure(id: .null, .tooManyConnections(limit: limit))
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ConnectionRefusal(answer: refusal))
                }
            }
            statistics.connectionOpened(.unix)
            let maxLine = self.responder.maxLineBytes
            return channel.eventLoop.makeCompletedFuture {
                // +2: the line ending. An unfinished line past this is refused with line_too_long; a finished
                // one over the limit is refused by the responder (the framing does not measure it).
                try channel.pipeline.syncOperations.addHandler(
                    ByteToMessageHandler(LineBasedFrameDecoder(), maximumBufferSize: maxLine + 2))
                try channel.pipeline.syncOperations.addHandler(RequestLineHandler(
                    responder: self.responder, statistics: statistics, maxPipeline: self.configuration.maxPipeline))
            }
        }
    }
}
