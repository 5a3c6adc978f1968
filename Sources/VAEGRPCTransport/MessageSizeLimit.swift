import NIOCore
import NIOHPACK
import NIOHTTP2
import VAEOpenInference
import VAEServing

/// Refuses a request message over the limit as soon as its 5-byte gRPC length prefix arrives: the stream is
/// answered `RESOURCE_EXHAUSTED` (trailers only) and reset with NO_ERROR, so the rest is never read.
///
/// grpc-swift-nio-transport enforces `maxRequestPayloadSize` itself, but by resetting the stream (CANCEL), which
/// clients report as CANCELLED or UNAVAILABLE; Formats/open-inference.md §1 promises RESOURCE_EXHAUSTED, the
/// status other gRPC servers send. So this handler sits first in each HTTP/2 stream's pipeline, ahead of gRPC's
/// own, and reads only the length prefixes of the DATA frames going by; the transport's limit stays as a backstop.
///
/// Touched only on the stream's event loop.
final class MessageSizeLimit: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let limit: Int
    private let statistics: ServingStatistics
    /// Bytes of the current message's body still to come; when 0, the next bytes are a prefix.
    private var bodyRemaining = 0
    /// The prefix bytes seen so far (a prefix may be split across frames).
    private var prefix: [UInt8] = []
    private var refused = false

    init(limit: Int, statistics: ServingStatistics) {
        self.limit = limit
        self.statistics = statistics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        let payload = unwrapInboundIn(data)
        if case .data(let frame) = payload, case .byteBuffer(let buffer) = frame.data,
           let declared = oversizedMessage(in: buffer) {
            return refuse(context: context, declared: declared)
        }
        context.fireChannelRead(data)
    }

    /// Walks the message prefixes in `buffer`; the length of the first message over the limit, if any.
    private func oversizedMessage(in buffer: ByteBuffer) -> Int? {
        var offset = buffer.readerIndex
        let end = buffer.writerIndex
        while offset < end {
            if bodyRemaining > 0 {
                let skipped = min(bodyRemaining, end - offset)
                bodyRemaining -= skipped
                offset += skipped
                continue
            }
            prefix.append(buffer.getInteger(at: offset, as: UInt8.self) ?? 0)
            offset += 1
            guard prefix.count == 5 else { continue }
            let length = prefix[1...].reduce(0) { $0 << 8 | Int($1) }  // after the compression flag, big-endian
            prefix.removeAll(keepingCapacity: true)
            if length > limit { return length }
            bodyRemaining = length
        }
        return nil
    }

    private func refuse(context: ChannelHandlerContext, declared: Int) {
        refused = true
        let error = InferenceError(.tooLarge, "The request message has \(declared) bytes; this server takes at most "
                                   + "\(limit) (vaed --max-request-bytes).")
        statistics.messageArrived()
        statistics.answered([RequestRecord(errorType: error.kind.rawValue)], microseconds: 0, transport: .grpc)
        let trailers: HPACKHeaders = [
            ":status": "200", "content-type": "application/grpc",
            "grpc-status": "8",  // RESOURCE_EXHAUSTED
            "grpc-message": error.message,  // ASCII without '%': nothing to percent-encode
        ]
        context.write(wrapOutboundOut(.headers(.init(headers: trailers, endStream: true))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.rstStream(.noError)), promise: nil)
    }
}
