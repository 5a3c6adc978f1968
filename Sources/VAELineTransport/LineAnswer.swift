import NIOConcurrencyHelpers
import VAEServing

/// Collects the answers of a batch line (a JSON array of requests) as they finish, in any order and on any thread,
/// and delivers the response line when the last one is in: one array, or nothing when all were notifications.
final class LineAnswer: Sendable {
    private struct State {
        var answers: [[UInt8]?]
        var records: [RequestRecord]
        var left: Int
    }

    private let state: NIOLockedValueBox<State>
    private let deliver: @Sendable (_ line: [UInt8]?, _ records: [RequestRecord]) -> Void

    init(count: Int, deliver: @escaping @Sendable ([UInt8]?, [RequestRecord]) -> Void) {
        state = NIOLockedValueBox(State(answers: Array(repeating: nil, count: count),
                            records: Array(repeating: RequestRecord(), count: count), left: count))
        self.deliver = deliver
    }

    /// Request `index` is done: `answer` is its response object (nil for a notification).
    func finish(_ index: Int, answer: [UInt8]?, record: RequestRecord) {
        let done: State? = state.withLockedValue { state in
            state.answers[index] = answer
            state.records[index] = record
            state.left -= 1
            return state.left == 0 ? state : nil
        }
        guard let done else { return }
        deliver(Self.assembled(done.answers), done.records)
    }

    private static func assembled(_ answers: [[UInt8]?]) -> [UInt8]? {
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
