import NIOConcurrencyHelpers
import VAEJSON
import VAEProtocol

/// What one answered request was, for the daemon's statistics.
public struct RequestRecord: Sendable {
    /// The method name if it is a known one.
    public var method: String?
    public var model: String?
    /// The error's data.type, or nil on success.
    public var errorType: String?
    /// Images or codes the request carried (its share of compute).
    public var rows: Int

    public init(method: String? = nil, model: String? = nil, errorType: String? = nil, rows: Int = 0) {
        self.method = method
        self.model = model
        self.errorType = errorType
        self.rows = rows
    }
}

/// One request after parsing and validation: answered already, or waiting for compute or a reload.
public struct PreparedRequest: Sendable {
    public enum Work: Sendable {
        /// The response object (written even for a notification, whose answer is then dropped).
        case answered([UInt8])
        /// Model compute; `write` turns the finished job into the result value, of about `answerBytes`.
        case compute(ComputeJob, answerBytes: Int, write: @Sendable (ComputeJob, inout JSONWriter) -> Void)
        /// A reload of the models (slow: file reads and verification), done off the compute threads.
        case reload
    }

    /// nil for a notification: it gets no answer.
    public var id: RPCID?
    public var record: RequestRecord
    public var work: Work

    /// The response object for a finished job, or for a failure.
    func response(for job: ComputeJob, error: RPCError?) -> [UInt8] {
        guard case .compute(_, let answerBytes, let write) = work else { preconditionFailure("not a compute request") }
        // Sized for the whole answer, so a large one is not copied as it grows.
        var writer = JSONWriter(capacity: 256 + answerBytes)
        if let error {
            RPCResponse.writeFailure(id: id ?? .null, error, into: &writer)
        } else {
            RPCResponse.writeSuccess(id: id ?? .null, into: &writer) { write(job, &$0) }
        }
        return writer.bytes
    }
}

/// The requests of one line, and whether they came as a batch (answered as one JSON array).
public struct PreparedLine: Sendable {
    public var isBatch: Bool
    public var requests: [PreparedRequest]
}

/// Collects a line's answers as its requests finish (in any order, on any thread) and delivers the response line
/// when the last one is in: one object, or one array for a batch, or nothing when all were notifications.
final class LineAnswer: @unchecked Sendable {
    private let lock = NIOLock()
    private let isBatch: Bool
    private var answers: [[UInt8]?]
    private var records: [RequestRecord]
    private var left: Int
    private let deliver: @Sendable (_ line: [UInt8]?, _ records: [RequestRecord]) -> Void

    init(_ line: PreparedLine, deliver: @escaping @Sendable ([UInt8]?, [RequestRecord]) -> Void) {
        isBatch = line.isBatch
        answers = Array(repeating: nil, count: line.requests.count)
        records = line.requests.map(\.record)
        left = line.requests.count
        self.deliver = deliver
    }

    /// Request `index` is done: `answer` is its response object, kept only if the request has an id.
    func finish(_ index: Int, answer: [UInt8], id: RPCID?, errorType: String? = nil) {
        lock.lock()
        if id != nil { answers[index] = answer }
        if let errorType { records[index].errorType = errorType }
        left -= 1
        let done = left == 0
        lock.unlock()
        guard done else { return }
        deliver(assembled(), records)
    }

    private func assembled() -> [UInt8]? {
        guard isBatch else {
            // Taken out of the array, so the line ending is appended in place rather than to a copy.
            guard var only = answers[0] else { return nil }
            answers[0] = nil
            only.append(0x0A)
            return only
        }
        let present = answers.compactMap { $0 }
        guard !present.isEmpty else { return nil }
        var line: [UInt8] = [UInt8(ascii: "[")]
        line.reserveCapacity(present.reduce(3) { $0 + $1.count + 1 })
        for (i, answer) in present.enumerated() {
            if i > 0 { line.append(UInt8(ascii: ",")) }
            line += answer
        }
        return line + [UInt8(ascii: "]"), 0x0A]
    }
}
