import NIOConcurrencyHelpers
import NIOCore

/// One connection's answers: written in the order their lines arrived, whatever order they finish in, and bounded
/// in number: past `maxPipeline` unanswered lines (answers count until the kernel has taken them), the
/// connection is not read until it catches up.
final class ConnectionSession: @unchecked Sendable {
    private let channel: Channel
    private let maxPipeline: Int
    private let lock = NIOLock()
    private var nextSequence = 0
    private var nextToWrite = 0
    private var finished: [Int: [UInt8]] = [:]
    private var skipped = Set<Int>()
    private var outstanding = 0
    private var roomWaiter: CheckedContinuation<Void, Never>?
    private var idleWaiter: CheckedContinuation<Void, Never>?

    init(channel: Channel, maxPipeline: Int) {
        self.channel = channel
        self.maxPipeline = maxPipeline
    }

    /// A place in the answer order for the next line, once fewer than `maxPipeline` answers are outstanding.
    func reserve() async -> Int {
        let taken: Int? = lock.withLock {
            guard outstanding < maxPipeline else { return nil }
            outstanding += 1
            defer { nextSequence += 1 }
            return nextSequence
        }
        if let taken { return taken }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let proceed = lock.withLock {
                if outstanding < maxPipeline { return true }
                roomWaiter = continuation
                return false
            }
            if proceed { continuation.resume() }
        }
        return lock.withLock {
            outstanding += 1
            defer { nextSequence += 1 }
            return nextSequence
        }
    }

    /// The answer for `sequence` (nil: nothing owed). Writes it, and any that waited for it, in order.
    func complete(_ sequence: Int, _ line: [UInt8]?) {
        lock.withLock {
            if let line { finished[sequence] = line } else { skipped.insert(sequence) }
            var buffer: ByteBuffer?
            var written = 0, silent = 0
            while true {
                if let line = finished.removeValue(forKey: nextToWrite) {
                    if buffer == nil { buffer = channel.allocator.buffer(capacity: line.count) }
                    buffer!.writeBytes(line)
                    written += 1
                } else if skipped.remove(nextToWrite) != nil {
                    silent += 1
                } else {
                    break
                }
                nextToWrite += 1
            }
            if silent > 0 { release(silent) }
            // Handed to the event loop under the lock, so the buffers reach it in order; never written inline, so
            // a failed write's callback cannot re-enter the lock.
            if let buffer {
                let channel = self.channel, written = written
                channel.eventLoop.execute {
                    channel.writeAndFlush(buffer).whenComplete { _ in self.lock.withLock { self.release(written) } }
                }
            }
        }
    }

    /// Waits until every reserved answer is written (or the connection failed).
    func drain() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = lock.withLock {
                if outstanding == 0 { return true }
                idleWaiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Under the lock: `count` answers are done with.
    private func release(_ count: Int) {
        outstanding -= count
        if outstanding < maxPipeline, let waiter = roomWaiter {
            roomWaiter = nil
            waiter.resume()
        }
        if outstanding == 0, let waiter = idleWaiter {
            idleWaiter = nil
            waiter.resume()
        }
    }
}

/// Counts request lines as the event loop decodes them, so a started batch knows more requests are on their way.
final class LineArrivalCounter: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let scheduler: BatchScheduler
    /// Lines announced and not yet settled by the connection's reader.
    let unsettled = NIOLockedValueBox(0)

    init(scheduler: BatchScheduler) {
        self.scheduler = scheduler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        unsettled.withLockedValue { $0 += 1 }
        scheduler.lineArrived()
        context.fireChannelRead(data)
    }

    /// The reader took one line and has queued or answered it.
    func settle() {
        unsettled.withLockedValue { $0 -= 1 }
        scheduler.lineSettled()
    }

    /// Settles lines the reader will never take (the connection ended with lines buffered).
    func settleRest() {
        let rest = unsettled.withLockedValue { count in
            defer { count = 0 }
            return count
        }
        for _ in 0..<max(rest, 0) { scheduler.lineSettled() }
    }
}
