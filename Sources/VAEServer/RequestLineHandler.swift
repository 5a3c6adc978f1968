import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import VAEProtocol

/// One connection's request lines: each is parsed and started on the event loop as it arrives (model work goes to
/// the compute threads), and the answers are written in the order the lines came, whatever order they finish in.
///
/// Flow control: past `maxPipeline` unanswered lines (an answer counts until the kernel has taken it) the handler
/// stops asking for reads, so the client is not read until it catches up. When the client half-closes (or the
/// daemon drains, or a line is over the limit), nothing more is read and the connection closes once every answer
/// is written.
final class RequestLineHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let engine: ServingEngine
    private let statistics: ServerStatistics
    private let maxPipeline: Int
    private let maxLineBytes: Int
    private var context: ChannelHandlerContext?
    // Event-loop state.
    private var nextSequence = 0
    private var readPending = false
    private var inputEnded = false
    /// Lines of the current read are still being decoded: a started batch may wait for them.
    private var inBurst = false
    // Shared with the compute threads, under the lock.
    private let lock = NIOLock()
    private var nextToWrite = 0
    private var finished: [Int: [UInt8]] = [:]
    private var skipped = Set<Int>()
    private var unwritten: ByteBuffer?
    private var unwrittenCount = 0
    private var flushScheduled = false
    private var outstanding = 0

    init(engine: ServingEngine, statistics: ServerStatistics, maxPipeline: Int, maxLineBytes: Int) {
        self.engine = engine
        self.statistics = statistics
        self.maxPipeline = maxPipeline
        self.maxLineBytes = maxLineBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        endBurst()
        self.context = nil
    }

    // MARK: Inbound

    func channelActive(context: ChannelHandlerContext) {
        // Accepted while the daemon drains: nothing will be read.
        if engine.draining { context.close(mode: .input, promise: nil) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After line_too_long nothing more is taken, not even the lines that came in the same read.
        guard !inputEnded else { return }
        let line = unwrapInboundIn(data)
        handle(line)
        // The framing refuses a line only while it is unfinished, so a line whose end came in the read that took it
        // past the limit arrives whole: the handler answers it line_too_long, and then the connection ends.
        if line.readableBytes > maxLineBytes { endInput() }
    }

    /// Starts answering one line.
    private func handle(_ line: ByteBuffer) {
        let firstOfRead = !inBurst
        if firstOfRead {
            inBurst = true
            engine.scheduler.readingStarted()
        }
        let sequence = reserve()
        let arrived = ContinuousClock.now
        let statistics = self.statistics
        statistics.lineStarted()
        line.withUnsafeReadableBytes { raw in
            engine.answer(raw.bindMemory(to: UInt8.self), mayRunInline: firstOfRead) { response, records in
                statistics.lineFinished(records, microseconds: (ContinuousClock.now - arrived).inSeconds * 1e6)
                self.complete(sequence, response)
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
        engine.scheduler.readingFinished()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { endInput() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Input that has ended (line_too_long) is not looked at again. Socket errors close the channel by themselves.
        guard !inputEnded else { return }
        if error is ByteToMessageDecoderError.PayloadTooLargeError {
            // Answer after everything before it, then close: the rest of the line cannot be framed.
            complete(reserve(), RPCResponse.failure(id: .null, .lineTooLong(limit: maxLineBytes)))
        } else if let leftover = error as? NIOExtrasErrors.LeftOverBytesError {
            // The client closed its side after a last request without a line ending (`printf '…' | nc -U`):
            // answered as if the line had ended.
            handle(leftover.leftOverBytes)
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
        let room = lock.withLock { outstanding < maxPipeline }
        if room { context.read() } else { readPending = true }
    }

    // MARK: Answers

    /// On the event loop: a place in the answer order for the line just read.
    private func reserve() -> Int {
        lock.withLock { outstanding += 1 }
        defer { nextSequence += 1 }
        return nextSequence
    }

    /// From any thread: the answer for `sequence` (nil: nothing owed). Queues it, and any that waited for it.
    private func complete(_ sequence: Int, _ line: [UInt8]?) {
        let flush: Bool = lock.withLock {
            if let line { finished[sequence] = line } else { skipped.insert(sequence) }
            var silent = 0
            while true {
                if let line = finished.removeValue(forKey: nextToWrite) {
                    if unwritten == nil { unwritten = ByteBufferAllocator().buffer(capacity: max(line.count, 1024)) }
                    unwritten!.writeBytes(line)
                    unwrittenCount += 1
                } else if skipped.remove(nextToWrite) != nil {
                    silent += 1
                } else {
                    break
                }
                nextToWrite += 1
            }
            outstanding -= silent
            // Scheduled even with nothing to write when notifications freed room: reading may resume.
            guard !flushScheduled, unwrittenCount > 0 || silent > 0 else { return false }
            flushScheduled = true
            return true
        }
        guard flush, let loop = context?.eventLoop else { return }
        // One write for every answer ready by the time the event loop gets to it.
        EventLoopBatching.execute(on: loop) { self.flush() }
    }

    /// On the event loop: writes what is ready, in order.
    private func flush() {
        guard let context else { return }
        let (buffer, count) = lock.withLock {
            defer {
                unwritten = nil
                unwrittenCount = 0
                flushScheduled = false
            }
            return (unwritten, unwrittenCount)
        }
        if let buffer {
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in self.written(count) }
        } else {
            written(0)
        }
    }

    /// On the event loop: `count` answers are with the kernel (or the connection failed).
    private func written(_ count: Int) {
        let room = lock.withLock {
            outstanding -= count
            return outstanding < maxPipeline
        }
        if room && readPending && !inputEnded, let context {
            readPending = false
            context.read()
        }
        closeIfDone()
    }

    /// Closes once the client has stopped sending and every answer is written.
    private func closeIfDone() {
        guard inputEnded, let context, lock.withLock({ outstanding == 0 }) else { return }
        context.close(promise: nil)
    }
}
