import NIOCore
import NIOEmbedded
import NIOExtras
import Synchronization
import Testing
import VAEJSON
@testable import VAELineTransport
import VAEServing
import VAETestSupport

/// Counts the reads the handlers ask the channel for (it sits next to the head, so it sees what gets through).
final class ReadCounter: ChannelOutboundHandler, Sendable {
    typealias OutboundIn = Any
    private let count = Atomic(0)

    /// Read from the test while the event loop counts.
    var reads: Int { count.load(ordering: .sequentiallyConsistent) }

    func read(context: ChannelHandlerContext) {
        count.add(1, ordering: .sequentiallyConsistent)
        context.read()
    }
}

/// A connection's pipeline on a testing channel: line framing and the request handler, without a socket.
struct LineChannel {
    let channel: NIOAsyncTestingChannel
    let reads: ReadCounter

    init(responder: LineResponder, maxPipeline: Int = 128) async throws {
        channel = NIOAsyncTestingChannel()
        reads = ReadCounter()
        let reads = self.reads, channel = self.channel
        try await channel.pipeline.addHandler(reads).get()
        try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.addHandler(
                ByteToMessageHandler(LineBasedFrameDecoder(), maximumBufferSize: responder.maxLineBytes + 2))
            try channel.pipeline.syncOperations.addHandler(RequestLineHandler(
                responder: responder, statistics: responder.engine.statistics, maxPipeline: maxPipeline))
        }
        try await channel.connect(to: .init(unixDomainSocketPath: "/tmp/line-channel-test")).get()
    }

    /// Delivers `text` as one read from the client.
    func send(_ text: String) async throws {
        try await channel.writeInbound(ByteBuffer(string: text))
        channel.pipeline.fireChannelReadComplete()
    }

    /// The answer lines written so far, waiting up to `seconds` for at least `count` of them.
    func answers(atLeast count: Int, seconds: Double = 10) async throws -> [JSONValue] {
        var text = ""
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        // Read, then check the deadline: a test thread woken late still looks once more.
        while true {
            await channel.testingEventLoop.run()
            while let buffer = try await channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
            guard text.split(separator: "\n").count < count, ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(2))
        }
        return try text.split(separator: "\n").map { try JSONParser().parse(Array($0.utf8)) }
    }

    /// Asks for a read as the channel would, on its event loop, and returns once the pipeline has handled it.
    func read() async throws {
        let channel = self.channel
        try await channel.testingEventLoop.executeInContext { channel.read() }
    }
}

/// Runs `body` with a responder over a tiny model; the engine's compute threads run only once `runEngine` is
/// called, so a test can hold model work back. The engine stops when `body` ends.
func withIdleEngine(maxLineBytes: Int = 1 << 20,
                    _ body: (LineResponder, _ runEngine: @Sendable () async throws -> Void) async throws -> Void)
    async throws
{
    let engine = ServingEngine(models: [try servedModel("m", kind: .vae)],
                               batching: BatchingConfiguration(window: .zero, threads: 1))
    let running = LockedValue<Task<Void, any Error>?>(nil)  // not Mutex: ThreadSanitizer does not see it
    func stop() async {
        guard let task = running.withLock({ $0 }) else { return }
        task.cancel()
        _ = try? await task.value
    }
    do {
        try await body(LineResponder(engine: engine, maxLineBytes: maxLineBytes)) {
            running.withLock { $0 = Task(executorPreference: QueueTaskExecutor()) { try await engine.run() } }
        }
    } catch {
        await stop()
        throw error
    }
    await stop()
}

private func sample(_ id: Int) -> String { #"{"jsonrpc":"2.0","id":\#(id),"method":"sample","params":{"count":3,"seed":1}}"# }
private func health(_ id: Int) -> String { #"{"jsonrpc":"2.0","id":\#(id),"method":"health"}"# }

@Suite("Line transport on a testing channel: order, flow control, half-close, limits")
struct RequestLineHandlerTests {
    @Test func answersComeInTheOrderOfTheLinesWhateverFinishesFirst() async throws {
        try await withIdleEngine { responder, runEngine in
            let line = try await LineChannel(responder: responder)
            // Model work waits for the compute threads; health is answered at once but must wait its turn.
            try await line.send([sample(1), health(2), sample(3), health(4)].joined(separator: "\n") + "\n")
            #expect(try await line.answers(atLeast: 1, seconds: 0.2).isEmpty, "nothing before the first line's answer")
            try await runEngine()
            let answers = try await line.answers(atLeast: 4)
            #expect(answers.map { $0["id"]?.integerValue } == [1, 2, 3, 4])
            #expect(answers[0]["result"]?["images"]?.arrayValue?.count == 3)
            #expect(answers[1]["result"]?["status"]?.stringValue == "ok")
        }
    }

    @Test func pastMaxPipelineUnansweredLinesTheConnectionIsNotRead() async throws {
        try await withIdleEngine { responder, runEngine in
            let line = try await LineChannel(responder: responder, maxPipeline: 2)
            try await line.send(sample(1) + "\n" + sample(2) + "\n")
            let before = line.reads.reads
            try await line.read()
            #expect(line.reads.reads == before, "two lines unanswered: no more reads")
            try await runEngine()
            #expect(try await line.answers(atLeast: 2).count == 2)
            // The answers are with the "kernel": the read held back goes through.
            let deadline = ContinuousClock.now + .seconds(10)
            while true {
                await line.channel.testingEventLoop.run()
                guard line.reads.reads == before, ContinuousClock.now < deadline else { break }
                try await Task.sleep(for: .milliseconds(2))
            }
            #expect(line.reads.reads == before + 1)
            try await line.read()
            #expect(line.reads.reads == before + 2, "with room, reads pass at once")
        }
    }

    @Test func aClientThatHalfClosesGetsItsAnswersAndThenTheConnectionCloses() async throws {
        try await withIdleEngine { responder, runEngine in
            let line = try await LineChannel(responder: responder)
            // The last line has no ending: answered as if it had one.
            try await line.send(sample(1) + "\n" + health(2))
            line.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            try await runEngine()
            let answers = try await line.answers(atLeast: 2)
            #expect(answers.map { $0["id"]?.integerValue } == [1, 2])
            try await line.channel.closeFuture.get()
        }
    }

    @Test func quiescingStopsReadingAnswersWhatWasReadAndCloses() async throws {
        try await withIdleEngine { responder, runEngine in
            let line = try await LineChannel(responder: responder)
            try await line.send(sample(1) + "\n")
            line.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            let before = line.reads.reads
            try await line.read()
            #expect(line.reads.reads == before, "a quiescing connection is not read")
            try await runEngine()
            #expect(try await line.answers(atLeast: 1).map { $0["id"]?.integerValue } == [1])
            try await line.channel.closeFuture.get()
        }
    }

    @Test func anUnfinishedLinePastTheLimitIsRefusedAfterEarlierAnswersAndCloses() async throws {
        try await withIdleEngine(maxLineBytes: 1024) { responder, runEngine in
            let line = try await LineChannel(responder: responder)
            try await runEngine()
            try await line.send(health(1) + "\n" + String(repeating: "x", count: 2000))
            let answers = try await line.answers(atLeast: 2)
            #expect(answers.map { $0["id"]?.integerValue } == [1, nil])
            #expect(answers.last?["error"]?["data"]?["type"]?.stringValue == "line_too_long")
            try await line.channel.closeFuture.get()
        }
    }

    @Test func aWholeLinePastTheLimitIsRefusedAndNothingAfterItIsAnswered() async throws {
        try await withIdleEngine(maxLineBytes: 1024) { responder, runEngine in
            let line = try await LineChannel(responder: responder)
            try await runEngine()
            let long = #"{"jsonrpc":"2.0","id":1,"method":"health","pad":""# + String(repeating: "x", count: 1100) + "\"}"
            try await line.send(long + "\n" + health(2) + "\n")
            let answers = try await line.answers(atLeast: 1)
            #expect(answers.count == 1 && answers[0]["error"]?["data"]?["type"]?.stringValue == "line_too_long")
            try await line.channel.closeFuture.get()
            #expect(try await line.answers(atLeast: 1, seconds: 0.1).isEmpty, "the line after it is not answered")
        }
    }
}
