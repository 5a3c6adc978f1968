import CGEMM

/// Splits element-wise work over a fixed number of threads.
///
/// The threads are OpenMP's, the same that run oneDNN's GEMMs: between two GEMMs they are still spinning, so they
/// start at once, and no second pool competes with them for the cores (with Dispatch's pool beside them, a 2-thread
/// training step ran its element-wise passes no faster than one thread did). Chunks are multiples of 16 floats (one
/// cache line), so two threads never write the same line.
package struct ParallelLoop: Sendable {
    package let threadCount: Int

    package init(threadCount: Int) {
        precondition(threadCount >= 1, "thread count must be at least 1")
        self.threadCount = threadCount
    }

    /// Calls `body` on disjoint ranges covering 0..<count, in parallel when the work is large enough to pay.
    package func forEachChunk(count: Int, minimumChunk: Int = 16_384, _ body: (Range<Int>) -> Void) {
        let chunks = min(threadCount, max(1, count / max(minimumChunk, 1)))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        let step = ((count + chunks - 1) / chunks + 15) & ~15
        withoutActuallyEscaping(body) { body in
            // Chunks touch disjoint ranges, and the parallel region returns only when all are done.
            var body = body
            withUnsafeMutablePointer(to: &body) { context in
                vae_parallel_chunks(Int32(chunks), Int64(count), Int64(step), { context, start, end in
                    context!.assumingMemoryBound(to: ((Range<Int>) -> Void).self).pointee(Int(start)..<Int(end))
                }, context)
            }
        }
    }
}
