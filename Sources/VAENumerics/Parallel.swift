import Dispatch

/// Splits element-wise work over a fixed number of threads.
///
/// Chunks are multiples of 16 floats (one cache line), so two threads never write the same line.
public struct ParallelLoop: Sendable {
    public let threadCount: Int

    public init(threadCount: Int) {
        precondition(threadCount >= 1, "thread count must be at least 1")
        self.threadCount = threadCount
    }

    /// Calls `body` on disjoint ranges covering 0..<count, in parallel when the work is large enough to pay.
    public func forEachChunk(count: Int, minimumChunk: Int = 16_384, _ body: (Range<Int>) -> Void) {
        let chunks = min(threadCount, max(1, count / max(minimumChunk, 1)))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        let step = ((count + chunks - 1) / chunks + 15) & ~15
        withoutActuallyEscaping(body) { body in
            // Chunks touch disjoint ranges, and concurrentPerform returns only when all are done.
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: chunks) { index in
                let start = min(index * step, count)
                let end = min(start + step, count)
                if start < end { body(start..<end) }
            }
        }
    }
}
