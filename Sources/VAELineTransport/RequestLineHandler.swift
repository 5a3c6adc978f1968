import NIOCore
import NIOExtras
import VAEProtocol
import VAEServing
import VAETransportSupport

/// One connection's request lines: each is parsed and started on the event loop as it arrives (model work goes to
/// the engine's compute threads), and the answers are written in the order the lines came, whatever order they
/// finish in.
///
/// Every field is touched only on the connection's event loop: an answer computed elsewhere comes back through
/// `NIOLoopBound` in one `execute` hop, so the handler needs no lock.
///
/// Flow control: past `maxPipeline` unanswered lines (an answer counts until the kernel has taken it) the handler
/// stops asking for reads, so the client is not read until it catches up. When the client half-closes (or the
/// server quiesces, or a line is over the limit), nothing more is read and the connection closes once every answer
/// is written.
final class RequestLineHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let responder: LineResponder
    private let statistics: ServingStatistics
    private let maxPipeline: Int
    private var context: ChannelHandlerContext?
    private var nextSequence = 0
    private var nextToWrite = 0
    /// Answers finished ahead of an earlier line's, by sequence; nil for a line that is owed nothing.
    private var waiting: [Int: [UInt8]?] = [:]
    /// Lines read whose answers the kernel has not taken yet.
    private var outstanding = 0
    private var unwritten: ByteBuffer?
    private var unwrittenCount = 0
    private var flushScheduled = false
    private var readPending = false
    private var inputEnded = false
    /// Lines of the current read are still being handed over: a started batch may wait for them.
    private var inBurst = false

    init(responder: LineResponder, statistics: ServingStatistics, maxPipeline: Int) {
        self.responder = responder
        self.statistics = statistics
        self.maxPipeline = maxPipeline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        endBurst()
        self.context = nil
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After line_too_long nothing more is taken, not even the lines that came in the same read.
        guard !inputEnded else { return }
        let line = unwrapInboundIn(data)
        handle(line, on: context.eventLoop)
        // The framing refuses a line only while it is unfinished, so a line whose end came in the read that took it
        // past the limit arrives whole: the responder answers it line_too_long, and then the connection ends.
        if line.readableBytes > responder.maxLineBytes { endInput() }
    }

    /// Starts answering one line.
    private func handle(_ line: ByteBuffer, on loop: any EventLoop) {
        let firstOfRead = !inBurst
        if firstOfRead {
            inBurst = true
            responder.engine.readingStarted()
        }
        let sequence = nextSequence
        nextSequence += 1
        outstanding += 1
        let arrived = ContinuousClock.now
        let statistics = self.statistics
        statistics.messageArrived()
        let handler = NIOLoopBound(self, eventLoop: loop)
        line.withUnsafeReadableBytes { raw in
            responder.answer(raw.bindMemory(to: UInt8.self), mayRunInline: firstOfRead) { response, records in
                statistics.answered(records, microseconds: (ContinuousClock.now - arrived).inSeconds * 1e6,
                                    transport: .unix)
                EventLoopBatching.execute(on: loop) { handler.value.complete(sequence, response) }
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        endBurst()
        context.fireChannelReadComplete()
    }

    private func endBurst() {
        guard inBurst else { return }
        inBurst = false
        responder.engine.readingFinished()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The client half-closed, or the server is draining: what was read is answered, then the connection closes.
        if event is ChannelShouldQuiesceEvent {
            endInput()
            return
        }
        if case ChannelEvent.inputClosed = event { endInput() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Input that has ended (line_too_long) is not looked at again. Socket errors close the channel by themselves.
        guard !inputEnded else { return }
        if error is ByteToMessageDecoderError.PayloadTooLargeError {
            // Answer after everything before it, then close: the rest of the line cannot be framed.
            let sequence = nextSequence
            nextSequence += 1
            outstanding += 1
            complete(sequence, RPCResponse.failure(id: .null, .lineTooLong(limit: responder.maxLineBytes)))
        } else if let leftover = error as? NIOExtrasErrors.LeftOverBytesError {
            // The client closed its side after a last request without a line ending (`printf '…' | nc -U`):
            // answered as if the line had ended.
            handle(leftover.leftOverBytes, on: context.eventLoop)
            endBurst()
        }
        // Any error ends the input: what was read is still answered, then the connection closes.
        endInput()
    }

    /// Reads nothing more; the connection closes once every answer owed is written.
    private func endInput() {
        inputEnded = true
        closeIfDone()
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        guard !inputEnded else { return }
        if outstanding < maxPipeline { context.read() } else { readPending = true }
    }

    // MARK: Answers

    /// The answer for line `sequence` (nil: nothing owed). Queues it, and any that waited for it, for one write at
    /// the end of this event-loop turn.
    private func complete(_ sequence: Int, _ line: [UInt8]?) {
        waiting[sequence] = .some(line)
        var silent = 0
        while let answer = waiting.removeValue(forKey: nextToWrite) {
            if let answer {
                if unwritten == nil { unwritten = ByteBufferAllocator().buffer(capacity: max(answer.count, 1024)) }
                unwritten!.writeBytes(answer)
                unwrittenCount += 1
            } else {
                silent += 1
            }
            nextToWrite += 1
        }
        // Notifications free their room at once: reading may resume.
        if silent > 0 { written(silent) }
        guard !flushScheduled, unwrittenCount > 0, let context else { return }
        flushScheduled = true
        // Every answer ready by the time the event loop gets to it goes in the same write.
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute { handler.value.flush() }
    }

    /// Writes what is ready, in order.
    private func flush() {
        flushScheduled = false
        guard let context, let buffer = unwritten else { return }
        let count = unwrittenCount
        unwritten = nil
        unwrittenCount = 0
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in handler.value.written(count) }
    }

    /// `count` answers are with the kernel (or the connection failed, or they were owed nothing).
    private func written(_ count: Int) {
        outstanding -= count
        if outstanding < maxPipeline && readPending && !inputEnded, let context {
            readPending = false
            context.read()
        }
        closeIfDone()
    }

    /// Closes once the client has stopped sending and every answer is written.
    private func closeIfDone() {
        guard inputEnded, outstanding == 0, let context else { return }
        context.close(promise: nil)
    }
}
