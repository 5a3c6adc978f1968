import Foundation
import Testing
import VAETestSupport

/// Claims of the README's "Serving: vaed" section and of Formats/protocol.md, checked against the built vaed as a
/// client sees them.
///
/// Nothing here waits a fixed time: each test waits for something it can observe, with a deadline only so that a
/// broken daemon fails the test instead of hanging it.
@Suite("vaed's documented contract", .serialized, .timeLimit(.minutes(3)))
struct DaemonContractTests {
    let vaed = builtExecutable("vaed"), vaectl = builtExecutable("vaectl")
    /// The environment of processes whose socket path must not come from this one's.
    let bareEnvironment = ["PATH": "/usr/bin:/bin"]

    func object(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    func object(_ received: RawConnection.Received) -> [String: Any]? {
        guard case .line(let line) = received else { return nil }
        return object(line)
    }

    func error(_ response: [String: Any]?) -> (code: Int?, type: String?, data: [String: Any]) {
        let error = response?["error"] as? [String: Any]
        let data = error?["data"] as? [String: Any] ?? [:]
        return (error?["code"] as? Int, data["type"] as? String, data)
    }

    /// Kills `daemon` if a test left it running and removes its folder.
    func cleanUp(_ daemon: RunningDaemon) {
        if daemon.process.isRunning {
            kill(daemon.process.processIdentifier, SIGKILL)
            daemon.process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: daemon.directory)
    }

    /// Polls `stats` on `client` until `done` holds for it, up to a minute (a hang guard).
    /// - Returns: the last stats result, and whether `done` held.
    func waitForStats(_ client: LineClient, until done: ([String: Any]) -> Bool) throws -> ([String: Any], Bool) {
        let deadline = Date().addingTimeInterval(60)
        var stats: [String: Any] = [:]
        repeat {
            stats = try client.call(#"{"id":"stats","method":"stats"}"#)["result"] as? [String: Any] ?? [:]
            if done(stats) { return (stats, true) }
        } while Date() < deadline
        return (stats, false)
    }

    // MARK: The line limit

    /// How an over-long line reaches the daemon.
    enum LongLine: CaseIterable, CustomTestStringConvertible {
        /// 1,500 bytes against a limit of 1,024, in one write: framed whole, in one read.
        case inOneRead
        /// 65,537 bytes against a limit of 65,536: split over reads (at most 64 KiB each), and the read that takes it
        /// past the limit also brings its end, so it is framed whole.
        case endingInTheReadPastTheLimit
        /// 2 MiB against the default 1 MiB: the framing gives up before the line ends.
        case farPastTheLimit

        var limit: Int {
            switch self {
            case .inOneRead: 1024
            case .endingInTheReadPastTheLimit: 65_536
            case .farPastTheLimit: 1 << 20
            }
        }

        var length: Int {
            switch self {
            case .inOneRead: 1500
            case .endingInTheReadPastTheLimit: 65_537
            case .farPastTheLimit: 2 << 20
            }
        }

        var testDescription: String { "\(length) bytes, limit \(limit)" }
    }

    @Test(arguments: LongLine.allCases)
    func aLineOverTheLimitIsAnsweredAfterEarlierRequestsThenTheConnectionCloses(_ long: LongLine) throws {
        let daemon = try RunningDaemon(extraArguments: ["--max-line-bytes", "\(long.limit)"], name: "longline")
        defer { cleanUp(daemon) }
        let client = try RawConnection(path: daemon.socket)
        // In one write: two requests (one of them model work, which finishes later), the long line, one more request.
        let before = #"{"id":10,"method":"health"}"# + "\n"
            + #"{"id":11,"method":"sample","params":{"model":"digits","count":64,"seed":1,"output":"u8"}}"# + "\n"
        let after = "\n" + #"{"id":12,"method":"health"}"# + "\n"
        let bytes = Array(before.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: long.length) + Array(after.utf8)
        // From another thread: the daemon may answer (and close) before it has read all of a long write.
        let writing = DispatchGroup()
        writing.enter()
        DispatchQueue.global().async {
            client.send(bytes)
            writing.leave()
        }
        let first = object(client.receive()), second = object(client.receive())
        let refusal = client.receive()
        #expect(first?["id"] as? Int == 10 && first?["result"] != nil, "\(String(describing: first))")
        #expect(second?["id"] as? Int == 11 && second?["result"] != nil, "model work before the line is answered first")
        let refused = error(object(refusal))
        #expect(refused.code == -32600 && refused.type == "line_too_long", "\(refusal)")
        #expect(refused.data["limit"] as? Int == long.limit)
        #expect(object(refusal)?["id"] is NSNull)
        #expect(writing.wait(timeout: .now() + 60) == .success)

        // The connection is closed: a request sent now (if the daemon has not closed yet) gets no answer.
        let late = client.send(line: #"{"jsonrpc":"2.0","id":2,"method":"health"}"#)
        let next = client.receive()
        #expect(next == .closed, "after line_too_long came \(next); the late request was \(late ?? "sent")")
        #expect(try LineClient(path: daemon.socket).call(#"{"id":3,"method":"health"}"#)["result"] != nil,
                "other connections are served")
        #expect(daemon.stop() == 0)
    }

    // MARK: Notifications

    @Test func aBatchOfOnlyNotificationsGetsNoLineAndTheNextRequestIsAnswered() throws {
        let daemon = try RunningDaemon(name: "notifications")
        defer { cleanUp(daemon) }
        let client = try RawConnection(path: daemon.socket)
        // Cheap methods and model work, with and without "jsonrpc": no request has an id, so nothing is owed.
        client.send(line: #"[{"jsonrpc":"2.0","method":"health"},{"method":"hello"},"#
            + #"{"jsonrpc":"2.0","method":"sample","params":{"model":"digits","count":2,"seed":1}}]"#)
        client.send(line: #"{"jsonrpc":"2.0","method":"health"}"#)
        client.send(line: #"{"jsonrpc":"2.0","id":2,"method":"health"}"#)
        let answer = object(client.receive())
        #expect(answer?["id"] as? Int == 2 && (answer?["result"] as? [String: String])?["status"] == "ok",
                "the first line is the answer to id 2, nothing for the notifications: \(String(describing: answer))")
        // In a batch with a request, notifications leave no entry.
        client.send(line: #"[{"method":"health"},{"id":3,"method":"health"},{"method":"hello"}]"#)
        guard case .line(let line) = client.receive(),
              let batch = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [[String: Any]] else {
            Issue.record("no batch answer")
            return
        }
        #expect(batch.count == 1 && batch.first?["id"] as? Int == 3)
        #expect(daemon.stop() == 0)
    }

    // MARK: The socket path

    /// Starts vaed without --socket in `environment` (as `user`, a setpriv prefix), checks it listens on `expected`
    /// and that vaectl without --socket finds it there, then stops it.
    func checkDefaultSocket(environment: [String: String], expected: String, model: String, user: [String] = [],
                            in directory: String) throws {
        let name = URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent
        let (process, logs) = try startProcess(user + [vaed, "--model", "\(name)=\(model)", "--threads", "1"],
                                               environment: environment, directory: directory)
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        let listening = waitForSocket(expected)
        let log = (try? String(contentsOfFile: logs + ".err", encoding: .utf8)) ?? ""
        #expect(listening, "vaed listens on \(expected): \(log)")
        guard listening else { return }
        let hello = try runProcess(user + [vaectl, "hello", "--timeout", "30"], environment: environment,
                                   directory: directory)
        #expect(hello.status == 0, "vaectl hello: \(hello.standardError)")
        #expect(hello.standardOutput.contains("socket    \(expected)\n"), "vaectl looks there: \(hello.standardOutput)")
        #expect(hello.standardOutput.contains("models    \(name)\n"), "and found this daemon: \(hello.standardOutput)")
        kill(process.processIdentifier, SIGTERM)
        #expect(waitForExit(process) == 0)
        #expect(!FileManager.default.fileExists(atPath: expected), "the socket is removed on exit")
    }

    @Test func withoutSocketVaedAndVaectlUseVAED_SOCKETThenXDGRuntimeDir() throws {
        let directory = temporaryDirectory("socketpath")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runtime = "\(directory)/runtime"
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: false)
        // Each daemon serves a model named after the case, so vaectl shows which daemon it found.
        let vae = try modelFile(kind: .vae, directory: directory)
        let explicit = "\(directory)/explicit.vaez", xdg = "\(directory)/xdg.vaez"
        try FileManager.default.copyItem(atPath: vae, toPath: explicit)
        try FileManager.default.copyItem(atPath: vae, toPath: xdg)
        let both = ["VAED_SOCKET": "\(directory)/env.sock", "XDG_RUNTIME_DIR": runtime]
        try checkDefaultSocket(environment: bareEnvironment.merging(both) { $1 }, expected: "\(directory)/env.sock",
                               model: explicit, in: directory)
        try checkDefaultSocket(environment: bareEnvironment.merging(["XDG_RUNTIME_DIR": runtime]) { $1 },
                               expected: "\(runtime)/vaed.sock", model: xdg, in: directory)
    }

    @Test(.disabled(if: cannotActAsOtherUsers != nil, "needs root and /usr/bin/setpriv to run vaed as an unused uid"))
    func withoutSocketOrEnvironmentTheSocketIsInAPrivateTmpDirectory() throws {
        // An unused uid owns /tmp/vaed-<uid> for this test: other daemons on this machine keep theirs.
        let uid = unusedUserID()
        let fallback = "/tmp/vaed-\(uid)"
        let directory = temporaryDirectory("fallback")
        defer {
            try? FileManager.default.removeItem(atPath: fallback)
            try? FileManager.default.removeItem(atPath: directory)
        }
        chmod(directory, 0o755)
        let vae = try modelFile(kind: .vae, directory: directory), model = "\(directory)/fallback.vaez"
        try FileManager.default.moveItem(atPath: vae, toPath: model)
        try checkDefaultSocket(environment: bareEnvironment, expected: "\(fallback)/vaed.sock", model: model,
                               user: asUser(uid: uid, gid: gid_t(uid)), in: directory)
        var info = stat()
        #expect(lstat(fallback, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR, "vaed made \(fallback)")
        #expect(info.st_uid == uid && info.st_mode & 0o777 == 0o700, "owned by its user, mode 0700")
    }

    // MARK: Socket mode

    @Test(.disabled(if: cannotActAsOtherUsers != nil, "needs root and /usr/bin/setpriv to connect as other users"))
    func socketMode0660AdmitsTheSocketsGroupAndNoOneElse() throws {
        let daemon = try RunningDaemon(extraArguments: ["--socket-mode", "0660"], name: "mode0660")
        defer { cleanUp(daemon) }
        chmod(daemon.directory, 0o755)
        var info = stat()
        #expect(stat(daemon.socket, &info) == 0 && info.st_mode & 0o777 == 0o660, "the socket file's mode is 0660")
        let group = info.st_gid, stranger = unusedUserID()
        let outsiders = gid_t(65_534)
        try #require(group != outsiders)
        func health(as user: [String]) throws -> CommandResult {
            try runProcess(user + [vaectl, "health", "--socket", daemon.socket, "--timeout", "30"],
                           environment: bareEnvironment, directory: daemon.directory)
        }
        // Another user whose primary group, or one of whose other groups, is the socket's: served.
        let primary = try health(as: asUser(uid: stranger, gid: group))
        #expect(primary.status == 0 && primary.standardOutput == "ok\n", "primary group: \(primary.standardError)")
        let supplementary = try health(as: asUser(uid: stranger, gid: outsiders, groups: [group]))
        #expect(supplementary.status == 0 && supplementary.standardOutput == "ok\n",
                "supplementary group: \(supplementary.standardError)")
        // The same user outside the group: refused (exit 3, cannot connect).
        let outsider = try health(as: asUser(uid: stranger, gid: outsiders))
        #expect(outsider.status == 3 && outsider.standardOutput.isEmpty, "outsider: \(outsider.standardError)")
        #expect(daemon.stop() == 0)
    }

    // MARK: Backpressure

    @Test func maxPipelineStopsReadingAClientThatDoesNotReadAndLosesNothing() throws {
        let pipeline = 4
        let daemon = try RunningDaemon(extraArguments: ["--max-pipeline", "\(pipeline)"], name: "pipeline")
        defer { cleanUp(daemon) }
        // What the daemon may read from a client that never reads: what the kernel takes of its answers (its send
        // buffer, with room for the kernel's rounding), the reads under way when it stopped (up to four of 64 KiB),
        // and the pipeline. The client sends four times that.
        let sendBuffer = (try? String(contentsOfFile: "/proc/sys/net/core/wmem_default", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 212_992
        func request(_ i: Int) -> String { #"{"id":\#(i),"method":"health"}"# + "\n" }
        let shortestAnswer = #"{"jsonrpc":"2.0","id":0,"result":{"status":"ok"}}"#.utf8.count + 1
        let bound = 4 * sendBuffer / shortestAnswer + 4 * 65_536 / request(0).utf8.count + pipeline
        let count = 4 * bound
        let client = try RawConnection(path: daemon.socket, timeoutSeconds: 60)
        let requests = Array((0..<count).map(request).joined().utf8)
        let sending = DispatchGroup()
        sending.enter()
        DispatchQueue.global().async {
            client.send(requests)
            sending.leave()
        }

        // Wait until the daemon has settled: the same count of lines read in 200 stats answers in a row, with none
        // unanswered but the stats request itself. A daemon that kept reading passes the bound first, unless it was
        // kept off the processor for all those round trips.
        let observer = try LineClient(path: daemon.socket)
        var read = 0, unchanged = 0
        let (_, settled) = try waitForStats(observer) { stats in
            let now = (stats["requests"] as? [String: Int])?["health"] ?? 0
            unchanged = now == read && now > 0 && stats["in_flight"] as? Int == 1 ? unchanged + 1 : 0
            read = now
            return unchanged == 200 || read > bound || sending.wait(timeout: .now()) == .success
        }
        #expect(settled)
        #expect(sending.wait(timeout: .now()) == .timedOut, "the client's writes are held back")
        #expect(read <= bound, "the daemon read \(read) of \(count) lines from a client that reads nothing")
        #expect(client.unreadBytesSent > 0, "requests wait in the kernel, unread")

        // Reading the answers lets it catch up: every request is answered, in order.
        var answered = 0
        while answered < count, case .line(let line) = client.receive(),
              line.hasPrefix(#"{"jsonrpc":"2.0","id":\#(answered),"result""#) {
            answered += 1
        }
        #expect(answered == count, "answers in order")
        #expect(sending.wait(timeout: .now() + 60) == .success)
        #expect(daemon.stop() == 0)
    }

    @Test func aFullModelQueueAnswersOverloadedAndOtherWorkGoesOn() throws {
        // At most 64 rows queued per model. A started batch waits (up to a second) while lines are still being read,
        // so nothing leaves the queue while the daemon goes through the batch below, which is one line.
        let daemon = try RunningDaemon(extraArguments: ["--max-queue", "64", "--batch-window-us", "1000000",
                                                        "--inline-rows", "0"], name: "overload")
        defer { cleanUp(daemon) }
        let client = try LineClient(path: daemon.socket)
        func sample(_ id: String, _ model: String) -> String {
            #"{"id":"\#(id)","method":"sample","params":{"model":"\#(model)","count":64,"seed":1,"output":"u8"}}"#
        }
        let flood = (0..<8).map { sample("digits-\($0)", "digits") }
        try client.send("[" + (flood + [sample("auto", "auto"), #"{"id":"health","method":"health"}"#])
            .joined(separator: ",") + "]")
        let line = try #require(try client.readLine())
        let answers = try #require((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [[String: Any]])
        let byID = Dictionary(answers.map { ($0["id"] as? String ?? "?", $0) }, uniquingKeysWith: { a, _ in a })
        var overloaded = 0
        for i in 0..<8 {
            let answer = byID["digits-\(i)"]
            if answer?["result"] != nil { continue }
            let refusal = error(answer)
            #expect(refusal.code == -32002 && refusal.type == "overloaded", "\(String(describing: answer))")
            #expect((refusal.data["retry_after_ms"] as? Int ?? 0) >= 1)
            overloaded += 1
        }
        #expect(overloaded >= 1, "512 rows for a queue of 64: some requests are refused")
        #expect(byID["digits-0"]?["result"] != nil, "the first fits")
        #expect(((byID["auto"]?["result"] as? [String: Any])?["images"] as? [Any])?.count == 64,
                "another model's queue is not affected")
        #expect((byID["health"]?["result"] as? [String: String])?["status"] == "ok")
        #expect(try client.call(sample("again", "digits"))["result"] != nil, "served again once the queue drained")
        let stats = try client.call(#"{"id":"stats","method":"stats"}"#)["result"] as? [String: Any]
        #expect((stats?["errors"] as? [String: Int])?["overloaded"] == overloaded)
        #expect(daemon.stop() == 0)
    }

    // MARK: Shutdown

    @Test func workStillQueuedAtTheDrainDeadlineIsAnsweredShuttingDown() throws {
        // One compute thread, a model with real work per row, and a drain deadline of zero: at SIGTERM the queue holds
        // far more work than can run before the deadline (seconds of it here, run to the end with a long deadline).
        // Batches are small, answers are small and read as they come: at the deadline nothing but the batch then
        // running keeps the shutting_down answers waiting, well within the 200 ms the daemon allows before it closes
        // every connection.
        let directory = temporaryDirectory("drain")
        let model = "\(directory)/wide.vaez"
        try writeWideModelFile(hidden: [1024, 1024], to: model)
        let daemon = try RunningDaemon(directory: directory, arguments: [
            "--model", "wide=\(model)", "--threads", "1", "--drain-timeout", "0", "--max-batch-rows", "64",
            "--max-pipeline", "2000", "--max-queue", "1000000",
        ])
        defer { cleanUp(daemon) }
        let count = 1500
        let client = try RawConnection(path: daemon.socket, timeoutSeconds: 60)
        nonisolated(unsafe) var received: [RawConnection.Received] = []
        let reading = DispatchGroup()
        reading.enter()
        DispatchQueue.global().async {
            // Every answer, then what follows them; or up to the first thing that is not an answer.
            repeat {
                received.append(client.receive())
            } while received.count <= count && received.last!.isLine
            reading.leave()
        }
        client.send(Array((0..<count).map {
            #"{"id":\#($0),"method":"sample","params":{"count":64,"seed":\#($0),"output":"u8"}}"# + "\n"
        }.joined().utf8))
        // Every request read (answered, or in flight besides the stats request itself).
        let (_, read) = try waitForStats(try LineClient(path: daemon.socket)) { stats in
            (stats["in_flight"] as? Int ?? 0) - 1 + ((stats["requests"] as? [String: Int])?["sample"] ?? 0) == count
        }
        try #require(read)
        kill(daemon.process.processIdentifier, SIGTERM)
        try #require(reading.wait(timeout: .now() + 60) == .success)

        // In order: those computed before the deadline (one thread takes the queue first come, first served), then
        // the rest, shutting_down; then the connection closes.
        var computed = 0, shuttingDown = 0, other: [String] = []
        for (i, item) in received.prefix(count).enumerated() {
            let answer = object(item), refusal = error(answer)
            if answer?["id"] as? Int == i && answer?["result"] != nil && shuttingDown == 0 {
                computed += 1
            } else if answer?["id"] as? Int == i && refusal.code == -32003 && refusal.type == "shutting_down" {
                shuttingDown += 1
            } else {
                other.append("\(i): \(item)")
            }
        }
        let answered = received.filter(\.isLine).count
        #expect(received.count == count + 1 && other.isEmpty,
                "answered in order, queued ones shutting_down: \(answered) of \(count), \(other.prefix(3))")
        #expect(shuttingDown >= 1, "\(computed) computed, \(shuttingDown) shutting_down")
        #expect(received.last == .closed)
        #expect(waitForExit(daemon.process) == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socket))
    }

    /// A socket in a folder that does not exist is refused before anything starts, naming the folder.
    @Test func aSocketInAMissingFolderIsNamed() throws {
        let directory = temporaryDirectory()
        let model = try modelFile(kind: .vae, directory: directory)
        let socket = "\(directory)/no-such-folder/vaed.sock"
        let result = try runCommand(builtExecutable("vaed"), ["--model", "digits=\(model)", "--socket", socket],
                                    directory: directory)
        #expect(result.status == 1)
        #expect(result.standardError.contains("the folder \(directory)/no-such-folder of the socket \(socket) does not exist; create it or choose another --socket"), "\(result.standardError)")
        #expect(!result.standardError.contains("started"), "refused before it starts: \(result.standardError)")
    }
}
