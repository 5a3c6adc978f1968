import NIOCore

/// Closes a refused connection as soon as it is active, after writing `answer` when there is one.
final class ConnectionRefusal: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let answer: [UInt8]?

    init(answer: [UInt8]?) {
        self.answer = answer
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let answer else { return context.close(promise: nil) }
        let channel = context.channel
        let close = context.eventLoop.makePromise(of: Void.self)
        close.futureResult.whenComplete { _ in channel.close(promise: nil) }
        context.writeAndFlush(NIOAny(ByteBuffer(bytes: answer)), promise: close)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
