#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import VAEServing
import VAETransportSupport

/// How the HTTP transport listens.
package struct HTTPServerConfiguration: Sendable {
    package var address: ListenAddress
    /// What the listener is for in logs (`http`, `metrics`).
    package var role: String
    package var maxConnections: Int
    /// Largest request body taken; a larger one is answered 413 without being read.
    package var maxBodyBytes: Int
    package var drainTimeout: Duration

    package init(address: ListenAddress, role: String = "http", maxConnections: Int = 1024,
                maxBodyBytes: Int = 64 << 20, drainTimeout: Duration = .seconds(10)) {
        self.address = address
        self.role = role
        self.maxConnections = maxConnections
        self.maxBodyBytes = maxBodyBytes
        self.drainTimeout = drainTimeout
    }
}

/// The Open Inference Protocol's REST binding (and `/metrics`) over HTTP/1.1, as a service. Graceful shutdown
/// closes the listener and lets each connection finish the request it is answering (swift-nio-extras'
/// `ServerQuiescingHelper` with NIO's HTTP pipeline handler), within the drain timeout.
package final class HTTPServer: Service, Sendable {
    let configuration: HTTPServerConfiguration
    let router: V2Router
    let logger: Logger
    private let connections: OpenConnections

    package init(configuration: HTTPServerConfiguration, router: V2Router, logger: Logger) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        connections = OpenConnections(limit: configuration.maxConnections)
    }

    package func run() async throws {
        let quiescing = ServerQuiescingHelper(group: MultiThreadedEventLoopGroup.singleton)
        let server = try await listen(quiescing)
        let address = ListenAddress(host: configuration.address.host, port: server.localAddress?.port ?? configuration.address.port)
        logger.info("listening", metadata: [configuration.role: "\(address)"])
        if !configuration.address.isLoopback && router.token == nil {
            logger.warning("listening beyond this machine without --auth-token-file: anyone who can reach it can use the models",
                           metadata: [configuration.role: "\(address)"])
        }
        defer { logger.info("stopped", metadata: [configuration.role: "\(address)"]) }
        let engine = router.engine
        let drained = server.eventLoop.makePromise(of: Void.self)
        try await withGracefulShutdownHandler {
            // Cancelled (another service failed): the listener closes, and with it this wait.
            try await withTaskCancellationHandler {
                try await server.closeFuture.get()
            } onCancel: {
                server.close(promise: nil)
            }
        } onGracefulShutdown: {
            engine.beginDraining()
            quiescing.initiateShutdown(promise: drained)
        }
        await connections.drain(until: drained.futureResult, timeout: configuration.drainTimeout, engine: engine,
                                logger: logger)
        drained.succeed()
    }

    private func listen(_ quiescing: ServerQuiescingHelper) async throws -> any Channel {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in self.admit(channel) }
        do {
            return try await bootstrap.bind(host: configuration.address.host, port: configuration.address.port).get()
        } catch {
            let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
            throw ListenError("cannot listen on \(configuration.address) (--\(configuration.role)): \(reason)")
        }
    }

    private func admit(_ channel: any Channel) -> EventLoopFuture<Void> {
        let statistics = router.engine.statistics
        guard connections.admit(channel, onClose: { statistics.connectionClosed(.http) }) else {
            statistics.connectionRefused(.http)
            logger.warning("refused a connection", metadata: ["reason": "already \(connections.limit) connections (--max-connections)"])
            return channel.close()
        }
        statistics.connectionOpened(.http)
        return channel.eventLoop.makeCompletedFuture {
            let sync = channel.pipeline.syncOperations
            try sync.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: false)
            try sync.addHandler(V2RequestHandler(router: router, statistics: statistics,
                                                 maxBodyBytes: configuration.maxBodyBytes))
        }
    }
}
