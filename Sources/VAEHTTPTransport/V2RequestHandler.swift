import NIOCore
import NIOHTTP1
import VAEOpenInference
import VAEServing
import VAETransportSupport

/// One HTTP connection: gathers each request's body (bounded), hands the request to the router, and writes its
/// answer as one response. NIO's `HTTPServerPipelineHandler` in front of it hands over one request at a time, keeps
/// pipelined requests in order, and closes the connection when the server quiesces.
///
/// Every field is touched only on the connection's event loop; an answer computed elsewhere comes back through
/// `NIOLoopBound` in one hop, gathered with the batch's other hops.
final class V2RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let router: V2Router
    private let statistics: ServingStatistics
    private let maxBodyBytes: Int
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    /// The request was answered before its body ended (too large): the rest is ignored and the connection closes.
    private var refused = false
    private var context: ChannelHandlerContext?

    init(router: V2Router, statistics: ServingStatistics, maxBodyBytes: Int) {
        self.router = router
        self.statistics = statistics
        self.maxBodyBytes = maxBodyBytes
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            refused = false
            let declared = head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
            if declared > maxBodyBytes { return refuseBody(head, declared: declared) }
            body = context.channel.allocator.buffer(capacity: declared)
            if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))),
                                      promise: nil)
            }
        case .body(var part):
            guard !refused, let head else { return }
            if body.readableBytes + part.readableBytes > maxBodyBytes {
                return refuseBody(head, declared: body.readableBytes + part.readableBytes)
            }
            body.writeBuffer(&part)
        case .end:
            guard !refused, let head else { return }
            self.head = nil
            dispatch(head, body: body, on: context.eventLoop)
            body = ByteBuffer()
        }
    }

    /// Answers 413 at once and closes after it: the body is not read.
    private func refuseBody(_ head: HTTPRequestHead, declared: Int) {
        refused = true
        body = ByteBuffer()
        let error = InferenceError(.tooLarge, "The request body has \(declared) bytes or more; this server takes at most "
                                   + "\(maxBodyBytes) (vaed --max-request-bytes).")
        var answer = HTTPAnswer.failure(error, RequestRecord())
        answer.status = .payloadTooLarge
        statistics.messageArrived()
        statistics.answered([answer.record], microseconds: 0, transport: .http)
        write(answer, version: head.version, keepAlive: false)
    }

    private func dispatch(_ head: HTTPRequestHead, body: ByteBuffer, on loop: any EventLoop) {
        let arrived = ContinuousClock.now
        let statistics = self.statistics
        statistics.messageArrived()
        let handler = NIOLoopBound(self, eventLoop: loop)
        let version = head.version, keepAlive = head.isKeepAlive
        router.route(head, body: body, mayRunInline: true) { answer in
            statistics.answered([answer.record], microseconds: (ContinuousClock.now - arrived).inSeconds * 1e6,
                                transport: .http)
            EventLoopBatching.execute(on: loop) { handler.value.write(answer, version: version, keepAlive: keepAlive) }
        }
    }

    /// Writes the response head and body together: NIO sends them in one `writev` at the flush, so no small
    /// segment waits on Nagle and a delayed ACK (about 40 ms each time).
    private func write(_ answer: HTTPAnswer, version: HTTPVersion, keepAlive: Bool) {
        guard let context else { return }
        var headers = HTTPHeaders()
        headers.reserveCapacity(4 + answer.headers.count)
        headers.add(name: "Content-Type", value: answer.contentType)
        headers.add(name: "Content-Length", value: String(answer.body.count))
        for (name, value) in answer.headers { headers.add(name: name, value: value) }
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        var buffer = context.channel.allocator.buffer(capacity: answer.body.count)
        buffer.writeBytes(answer.body)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: answer.status, headers: headers))),
                      promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Malformed HTTP (llhttp's verdict, headers over the limit): one 400 naming the fault, then close, since
        // the stream cannot be framed any further.
        guard let parserError = error as? HTTPParserError else {
            context.close(promise: nil)
            return
        }
        let refusal = InferenceError(.invalidRequest, "Malformed HTTP request: \(Self.describe(parserError)).")
        let answer = HTTPAnswer.failure(refusal, RequestRecord())
        statistics.messageArrived()
        statistics.answered([answer.record], microseconds: 0, transport: .http)
        write(answer, version: .http1_1, keepAlive: false)
    }

    private static func describe(_ error: HTTPParserError) -> String {
        switch error {
        case .headerOverflow: "the headers are larger than 80 KiB"
        case .invalidContentLength: "invalid Content-Length"
        case .unexpectedContentLength: "unexpected Content-Length"
        case .invalidMethod: "unknown method"
        case .invalidVersion: "invalid HTTP version"
        case .invalidChunkSize: "invalid chunk size"
        case .invalidHeaderToken: "invalid character in a header"
        default: "\(error)"
        }
    }
}
