
extension MethodHandler {
    /// The response line for one request line, computed on the calling thread with no batching across lines
    /// (nil for a blank line, a notification, or a batch of notifications). For tests and tools; the daemon queues
    /// the same work on its compute threads instead.
    public func respond(toLine line: [UInt8], draining: Bool = false) -> [UInt8]? {
        let prepared = line.withUnsafeBufferPointer { prepare(line: $0, draining: draining) }
        guard !prepared.requests.isEmpty else { return nil }
        let executor = BatchExecutor(capacity: limits.maxBatch)
        nonisolated(unsafe) var result: [UInt8]?
        let answer = LineAnswer(prepared) { line, _ in result = line }
        for (index, request) in prepared.requests.enumerated() {
            switch request.work {
            case .answered(let bytes):
                answer.finish(index, answer: bytes, id: request.id)
            case .compute(let job, _, _):
                executor.run([JobSlice(job: job, rows: 0..<job.count)])
                answer.finish(index, answer: request.response(for: job, error: nil), id: request.id)
            case .reload:
                let (bytes, error) = reloadResponse(id: request.id)
                answer.finish(index, answer: bytes, id: request.id, errorType: error?.type.rawValue)
            }
        }
        return result
    }
}
