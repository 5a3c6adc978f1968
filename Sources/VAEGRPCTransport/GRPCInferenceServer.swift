#if canImport(Glibc)
import Glibc
#endif
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import VAEServing
import VAETransportSupport

/// How the gRPC transport listens.
package struct GRPCServerConfiguration: Sendable {
    package var address: ListenAddress
    package var maxConnections: Int
    /// Largest request message taken; a larger one is refused with RESOURCE_EXHAUSTED without being read.
    package var maxMessageBytes: Int
    package var drainTimeout: Duration

    package init(address: ListenAddress, maxConnections: Int = 1024, maxMessageBytes: Int = 64 << 20,
                drainTimeout: Duration = .seconds(10)) {
        self.address = address
        self.maxConnections = maxConnections
        self.maxMessageBytes = maxMessageBytes
        self.drainTimeout = drainTimeout
    }
}

/// The Open Inference Protocol's gRPC binding as a service: a grpc-swift `GRPCServer` on grpc-swift-nio-transport's
/// HTTP/2 transport (plaintext, h2c: its `Custom` transport with ``PlaintextListener``), serving ``InferenceService``.
///
/// Graceful shutdown turns the engine to draining (new model requests are answered `shutting_down`), then the
/// server's own graceful shutdown closes the listener and sends each connection GOAWAY, letting the RPCs in flight
/// finish; after the drain timeout what is queued is answered `shutting_down` and, a second later, the remaining
/// connections are closed.
package final class GRPCInferenceServer: Service, Sendable {
    let configuration: GRPCServerConfiguration
    let service: InferenceService
    let token: BearerToken?
    let logger: Logger
    private let connections: OpenConnections
    private let bound = Mutex<ListenAddress?>(nil)

    package init(configuration: GRPCServerConfiguration, engine: ServingEngine, token: BearerToken?, logger: Logger) {
        self.configuration = configuration
        service = InferenceService(engine: engine)
        self.token = token
        self.logger = logger
        connections = OpenConnections(limit: configuration.maxConnections)
    }

    /// The address listened on (port 0 replaced by the port bound) while the server listens; nil before.
    package var listeningAddress: ListenAddress? { bound.withLock { $0 } }

    package func run() async throws {
        var config = HTTP2ServerTransport.Custom<PlaintextListener>.Config.defaults
        config.rpc.maxRequestPayloadSize = configuration.maxMessageBytes
        // The transport's hooks on each accepted connection and stream: counting connections and enforcing
        // --max-connections; refusing an oversized message with RESOURCE_EXHAUSTED (MessageSizeLimit).
        config.channelDebuggingCallbacks.onAcceptTCPConnection = { [self] channel in admit(channel) }
        config.channelDebuggingCallbacks.onAcceptHTTP2Stream = { [configuration, service] stream in
            stream.eventLoop.makeCompletedFuture {
                let limit = MessageSizeLimit(limit: configuration.maxMessageBytes, statistics: service.engine.statistics)
                try stream.pipeline.syncOperations.addHandler(limit, position: .first)
            }
        }
        let listener = PlaintextListener(address: try resolvedAddress(), eventLoopGroup: NIOSingletons.posixEventLoopGroup)
        let transport = HTTP2ServerTransport.Custom(listenerFactory: listener, config: config)
        let server = GRPCServer(transport: transport, services: [service],
                                interceptorPipeline: service.interceptors(token: token))
        let engine = service.engine
        let served = NIOSingletons.posixEventLoopGroup.any().makePromise(of: Void.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { served.succeed() }
                try await server.serve()
            }
            let address = try await listening(transport, group: &group)
            bound.withLock { $0 = address }
            logger.info("listening", metadata: ["grpc": "\(address)"])
            if !configuration.address.isLoopback && token == nil {
                logger.warning("listening beyond this machine without --auth-token-file: anyone who can reach it can use the models",
                               metadata: ["grpc": "\(address)"])
            }
            defer {
                bound.withLock { $0 = nil }
                logger.info("stopped", metadata: ["grpc": "\(address)"])
            }
            group.addTask { [connections, configuration, logger] in
                guard (try? await gracefulShutdown()) != nil else { return }  // cancelled: the server task ends too
                engine.beginDraining()
                server.beginGracefulShutdown()
                await connections.drain(until: served.futureResult, timeout: configuration.drainTimeout, engine: engine,
                                        logger: logger)
            }
            // The server ends (drained, or failed), or the drain gave up on the last connections: either way done.
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// The address to bind, its host resolved (a name such as localhost as well as an IP address).
    private func resolvedAddress() throws(ListenError) -> NIOCore.SocketAddress {
        let address = configuration.address
        if let resolved = try? NIOCore.SocketAddress.makeAddressResolvingHost(address.host, port: address.port) {
            return resolved
        }
        throw ListenError("cannot listen on \(address) (--grpc): \(address.host) is not an address of this machine")
    }

    /// The port bound (the one asked, or the system's pick for port 0); a listener that could not bind ends the
    /// server task, whose error says why.
    private func listening(_ transport: HTTP2ServerTransport.Custom<PlaintextListener>,
                           group: inout ThrowingTaskGroup<Void, any Error>) async throws -> ListenAddress
    {
        if let bound = await transport.listeningAddress, let port = bound.ipv4?.port ?? bound.ipv6?.port {
            return ListenAddress(host: configuration.address.host, port: port)
        }
        var reason = "the listener closed"
        do {
            try await group.next()
        } catch {
            let cause = (error as? RuntimeError)?.cause ?? error
            reason = (cause as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(cause)"
        }
        throw ListenError("cannot listen on \(configuration.address) (--grpc): \(reason)")
    }

    private func admit(_ channel: any Channel) -> EventLoopFuture<Void> {
        let statistics = service.engine.statistics
        guard connections.admit(channel, onClose: { statistics.connectionClosed(.grpc) }) else {
            statistics.connectionRefused(.grpc)
            logger.warning("refused a connection", metadata: ["reason": "already \(connections.limit) connections (--max-connections)"])
            // Closed rather than failed (a failed initializer would be reported to the listener, which ends on it),
            // and only once active: closed while grpc-swift is still setting the connection up, its connection
            // handler never sees channelInactive and its keepalive timers keep it alive for good (LeakSanitizer:
            // 372 bytes a refused connection).
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(CloseOnceActive(), position: .first)
            }
        }
        statistics.connectionOpened(.grpc)
        return channel.eventLoop.makeSucceededVoidFuture()
    }
}

/// Closes a refused connection as soon as it is active, after every handler has seen it become so.
final class CloseOnceActive: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        let channel = context.channel
        context.eventLoop.execute { channel.close(promise: nil) }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        let channel = context.channel
        context.eventLoop.execute { channel.close(promise: nil) }
    }
}

/// The listening socket for grpc-swift's HTTP/2 transport: plaintext (h2c) on a TCP address.
///
/// grpc-swift-nio-transport's `HTTP2ServerTransport.Posix` does the same, but also looks up each stream's TLS peer
/// certificate, two event-loop round trips per RPC that a plaintext listener pays for nothing.
struct PlaintextListener: HTTP2ServerTransport.ListenerFactory {
    let address: NIOCore.SocketAddress
    let eventLoopGroup: any EventLoopGroup

    func makeListeningChannel(listenerConfigurator: HTTP2ServerTransport.ListenerConfigurator,
                              connectionConfigurator: HTTP2ServerTransport.ConnectionConfigurator) async throws
        -> NIOAsyncChannel<HTTP2ServerTransport.ConnectionConfigurator.ConnectionChannel, Never>
    {
        try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { listenerConfigurator.configure(channel: $0) }
            .bind(to: address) { connectionConfigurator.configure(channel: $0, tls: .none) }
    }
}
