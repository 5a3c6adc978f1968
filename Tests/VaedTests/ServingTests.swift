import Foundation
import Testing
import VAETestSupport

/// The serving engine end to end: batching, backpressure, reload, signals, socket activation.
@Suite("vaed serving engine", .serialized, .timeLimit(.minutes(3)))
struct ServingTests {
    func errorType(_ response: [String: Any]) -> String? {
        ((response["error"] as? [String: Any])?["data"] as? [String: Any])?["type"] as? String
    }

    func sha256(of model: String, _ client: LineClient) throws -> String? {
        let models = (try client.call(#"{"id":0,"method":"models"}"#)["result"] as? [String: Any])?["models"] as? [[String: Any]]
        return (models?.first { $0["name"] as? String == model }?["file"] as? [String: Any])?["sha256"] as? String
    }

    /// Sends `lines` from `connections` clients at once, each keeping up to `depth` in flight; the answers per line.
    func answers(_ socket: String, _ lines: [String], connections: Int, depth: Int = 4) -> [String: [String: Any]] {
        let lock = NSLock()
        nonisolated(unsafe) var answers: [String: [String: Any]] = [:]
        DispatchQueue.concurrentPerform(iterations: connections) { c in
            guard let client = try? LineClient(path: socket) else { return }
            let mine = stride(from: c, to: lines.count, by: connections).map { lines[$0] }
            var sent = 0
            for _ in 0..<min(depth, mine.count) { try? client.send(mine[sent]); sent += 1 }
            for line in mine {
                guard let text = try? client.readLine(),
                      let response = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return }
                lock.lock()
                answers[line] = response
                lock.unlock()
                if sent < mine.count { try? client.send(mine[sent]); sent += 1 }
            }
        }
        return answers
    }

    @Test func batchingOnAndOffGiveTheSameResults() throws {
        let batched = try RunningDaemon(extraArguments: ["--batch-window-us", "2000"])
        let unbatched = try RunningDaemon(extraArguments: ["--max-batch-rows", "1", "--inline-rows", "0"], name: "unbatched")
        let image = { (i: Int) in "[" + (0..<784).map { String(Float(($0 * 7 + i) % 13) / 12) }.joined(separator: ",") + "]" }
        var lines: [String] = [], methods: [String] = [], rows = 0
        for i in 0..<60 {
            switch i % 4 {
            case 0:
                lines.append(#"{"id":\#(i),"method":"encode","params":{"model":"digits","images":[\#(image(i)),\#(image(i + 1))],"sample":true,"seed":\#(i)}}"#)
                methods.append("encode")
                rows += 2
            case 1:
                lines.append(#"{"id":\#(i),"method":"sample","params":{"model":"digits","count":\#(1 + i % 9),"seed":\#(i)}}"#)
                methods.append("sample")
                rows += 1 + i % 9
            case 2:
                lines.append(#"{"id":\#(i),"method":"denoise","params":{"model":"auto","images":[\#(image(i))]}}"#)
                methods.append("denoise")
                rows += 1
            default:
                lines.append(#"{"id":\#(i),"method":"decode","params":{"model":"digits","z":[[\#(Float(i) / 30 - 1),0.5],[0,\#(Float(i) / 20)]]}}"#)
                methods.append("decode")
                rows += 2
            }
        }
        let a = answers(batched.socket, lines, connections: 12), b = answers(unbatched.socket, lines, connections: 12)
        #expect(a.count == lines.count && b.count == lines.count)
        func numbers(_ value: Any?) -> [Double] {
            if let array = value as? [Any] { return array.flatMap(numbers) }
            return (value as? Double).map { [$0] } ?? []
        }
        for (line, method) in zip(lines, methods) {
            let x = try #require(a[line]?["result"] as? [String: Any]), y = try #require(b[line]?["result"] as? [String: Any])
            #expect(Set(x.keys) == Set(y.keys))
            // sample's codes depend only on (seed, i): bit for bit the same. Everything computed by the network
            // (encode's z too: mu plus noise scaled by exp(logvar / 2)) agrees to float rounding (protocol.md §6).
            if method == "sample" { #expect(numbers(x["z"]) == numbers(y["z"]), "sample's z of \(line.prefix(50))") }
            for key in x.keys where key != "seed" {
                let check = agreement(numbers(x[key]), numbers(y[key]), within: Tolerance.batching)
                #expect(check.holds, "\(key) of \(line.prefix(50)): \(check)")
            }
        }
        let statsA = try LineClient(path: batched.socket).call(#"{"id":1,"method":"stats"}"#)["result"] as! [String: Any]
        let statsB = try LineClient(path: unbatched.socket).call(#"{"id":1,"method":"stats"}"#)["result"] as! [String: Any]
        let sizesA = statsA["batch_sizes"] as! [String: Int], sizesB = statsB["batch_sizes"] as! [String: Int]
        #expect(sizesB["1"] == rows && sizesB.values.reduce(0, +) == rows, "--max-batch-rows 1: every row its own batch: \(sizesB)")
        // Every line is one job of at most 256 rows, so without joining each would need a batch of its own: fewer
        // batches than lines means some batch carried rows of several requests.
        let batchesA = sizesA.values.reduce(0, +)
        #expect(batchesA < lines.count, "batching joined requests: \(batchesA) batches for \(lines.count) requests (\(sizesA))")
        #expect(batched.stop() == 0 && unbatched.stop() == 0)
    }

    @Test func reloadUnderLoadDropsNothingAndABadFileKeepsTheOldModel() throws {
        let directory = temporaryDirectory()
        let models = "\(directory)/models"
        try FileManager.default.createDirectory(atPath: models, withIntermediateDirectories: true)
        try writeModelFile(kind: .vae, seed: 1, to: "\(models)/digits.vaez")
        let daemon = try RunningDaemon(directory: directory, arguments: ["--model-dir", models, "--watch-interval", "0.2"])
        let control = try LineClient(path: daemon.socket)
        let first = try #require(try sha256(of: "digits", control))

        // Load from 8 connections while the file is replaced and reloaded (method, SIGHUP and the watch) again and again.
        let stop = ManagedFlag()
        let load = DispatchQueue(label: "load")
        nonisolated(unsafe) var results: [String: [String: Any]] = [:]
        let lines = (0..<1600).map { #"{"id":\#($0),"method":"sample","params":{"model":"digits","count":4,"seed":\#($0),"output":"u8"}}"# }
        let finished = DispatchSemaphore(value: 0)
        let socket = daemon.socket
        load.async {
            results = self.answers(socket, lines, connections: 8)
            stop.set()
            finished.signal()
        }
        var seed: UInt64 = 2, reloads = 0
        while !stop.isSet {
            try writeModelFile(kind: .vae, seed: seed, to: "\(models)/digits.vaez")
            seed += 1
            if reloads % 2 == 0 {
                let answer = try control.call(#"{"id":1,"method":"reload"}"#)
                #expect(answer["result"] != nil, "\(answer)")
            } else {
                kill(daemon.process.processIdentifier, SIGHUP)
            }
            reloads += 1
            usleep(20_000)
        }
        finished.wait()
        #expect(results.count == lines.count)
        #expect(results.values.allSatisfy { $0["result"] != nil }, "every request answered with a result")
        #expect(reloads >= 2)

        // The latest file is served (the watch or the last reload picked it up).
        try writeModelFile(kind: .vae, seed: 999, to: "\(models)/digits.vaez")
        let reloaded = try control.call(#"{"id":2,"method":"reload"}"#)
        let actions = (reloaded["result"] as? [String: Any])?["models"] as? [[String: String]]
        #expect(actions?.first?["name"] == "digits" && ["reloaded", "unchanged"].contains(actions?.first?["action"] ?? ""))
        let current = try #require(try sha256(of: "digits", control))
        #expect(current != first)

        // A damaged file: reload_failed naming the model, and the old model keeps serving.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(models)/digits.vaez")))
        bytes[bytes.count / 3] ^= 0x55
        try Data(bytes).write(to: URL(fileURLWithPath: "\(models)/digits.vaez"))
        let failed = try control.call(#"{"id":3,"method":"reload"}"#)
        #expect(errorType(failed) == "reload_failed")
        #expect(((failed["error"] as? [String: Any])?["data"] as? [String: Any])?["model"] as? String == "digits")
        #expect(try sha256(of: "digits", control) == current)
        #expect(try control.call(#"{"id":4,"method":"sample","params":{"count":1,"seed":1}}"#)["result"] != nil)

        // A new file in the directory is picked up by the watch.
        try writeModelFile(kind: .ae, seed: 7, to: "\(models)/fresh.vaez")
        var names: [String] = []
        _ = try waitUntil {
            names = ((try control.call(#"{"id":5,"method":"hello"}"#)["result"] as? [String: Any])?["models"] as? [String]) ?? []
            return names.contains("fresh")
        }
        #expect(names == ["digits", "fresh"])
        #expect(daemon.stop() == 0)
    }

    @Test func pipelineAndConnectionLimitsHoldBackWithoutLosingAnything() throws {
        let daemon = try RunningDaemon(extraArguments: ["--max-pipeline", "4", "--max-connections", "3"])
        // 500 requests sent before reading any answer: the daemon stops reading at 4 outstanding, then catches up.
        nonisolated(unsafe) let client = try LineClient(path: daemon.socket)
        let writer = DispatchQueue(label: "writer")
        let sent = DispatchSemaphore(value: 0)
        writer.async {
            let lines = (0..<500).map { #"{"id":\#($0),"method":"sample","params":{"model":"digits","count":2,"seed":\#($0)}}"# + "\n" }
            try? client.send(Array(lines.joined().utf8))
            sent.signal()
        }
        for i in 0..<500 {
            let response = try JSONSerialization.jsonObject(with: Data(try #require(try client.readLine()).utf8)) as! [String: Any]
            #expect(response["id"] as? Int == i && response["result"] != nil)
        }
        sent.wait()
        // Three connections are open (this one, and two more); a fourth is answered `overloaded` and closed.
        let second = try LineClient(path: daemon.socket), third = try LineClient(path: daemon.socket)
        #expect(try second.call(#"{"id":1,"method":"health"}"#)["result"] != nil)
        let fourth = try LineClient(path: daemon.socket)
        let refusal = try JSONSerialization.jsonObject(with: Data(try #require(try fourth.readLine()).utf8)) as! [String: Any]
        #expect(errorType(refusal) == "overloaded")
        #expect(try fourth.readLine() == nil)
        #expect(try third.call(#"{"id":2,"method":"health"}"#)["result"] != nil)
        #expect(daemon.stop() == 0)
    }

    /// A client that sends heavy requests and never reads: its answers cannot be written, so draining waits.
    /// Returns once the daemon has finished one of them: an answer of about half a megabyte (64 images as numbers)
    /// that the socket cannot take, so the connection cannot finish while the client does not read.
    func stuckClient(_ daemon: RunningDaemon) throws -> LineClient {
        let client = try LineClient(path: daemon.socket)
        let line = #"{"id":1,"method":"sample","params":{"model":"digits","count":64,"seed":1}}"# + "\n"
        try client.send(Array(String(repeating: line, count: 300).utf8))
        let control = try LineClient(path: daemon.socket)
        let answered = try waitUntil {
            let stats = try control.call(#"{"id":1,"method":"stats"}"#)["result"] as? [String: Any]
            return ((stats?["requests"] as? [String: Int])?["sample"] ?? 0) >= 1
        }
        #expect(answered, "the daemon answered a request of the stuck client")
        return client
    }

    @Test func drainTimeoutAndASecondSignal() throws {
        // The drain timeout closes a connection that cannot be answered, and the daemon still exits 0: it exits
        // by itself while the client still holds the connection, and says the timeout ended the drain.
        let patient = try RunningDaemon(extraArguments: ["--drain-timeout", "1"])
        let stuck = try stuckClient(patient)
        kill(patient.process.processIdentifier, SIGTERM)
        #expect(try patient.waitForExit() == 0)
        #expect(patient.log.contains("drain timeout: answering queued work with shutting_down"), "\(patient.log)")
        _ = stuck

        // A second SIGTERM exits at once (status 130) without waiting for the drain (60 s, longer than the wait
        // for the exit below), and removes the socket.
        let daemon = try RunningDaemon(extraArguments: ["--drain-timeout", "60"], name: "second")
        let blocked = try stuckClient(daemon)
        kill(daemon.process.processIdentifier, SIGTERM)
        #expect(daemon.waitForLog("shutting down"), "the first signal started the drain")
        #expect(daemon.process.isRunning, "still draining: the stuck client's answers cannot be written")
        kill(daemon.process.processIdentifier, SIGTERM)
        let status = try daemon.waitForExit()
        #expect(status == 130 && daemon.process.terminationReason == .exit, "exit \(status), \(daemon.process.terminationReason == .exit ? "exited" : "killed by a signal"): \(daemon.log)")
        #expect(daemon.log.contains("second signal: exiting without draining"), "\(daemon.log)")
        #expect(!FileManager.default.fileExists(atPath: daemon.socket))
        _ = blocked
    }

    /// SIGTERM or SIGINT while connections wait for seconds of queued work: new connections are refused at once,
    /// every request already read is computed and answered with its result in its connection's order, each
    /// connection then closes, and the daemon exits 0 without reaching the drain deadline and removes its socket.
    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalUnderLoadFinishesEveryRequestAlreadyRead(_ signal: Int32) throws {
        // One compute thread and a model with real work per row, so the queue still holds work at the signal.
        let directory = temporaryDirectory("drain")
        let model = "\(directory)/wide.vaez"
        try writeWideModelFile(hidden: [1024, 1024], to: model)
        let daemon = try RunningDaemon(directory: directory, arguments: [
            "--model", "wide=\(model)", "--threads", "1", "--drain-timeout", "100", "--max-batch-rows", "64",
            "--max-pipeline", "1000", "--max-queue", "1000000",
        ])
        let connections = 8, requests = 60
        let lock = NSLock()
        nonisolated(unsafe) var received = [[RawConnection.Received]](repeating: [], count: connections)
        let reading = DispatchGroup()
        for c in 0..<connections {
            let client = try RawConnection(path: daemon.socket, timeoutSeconds: 60)
            reading.enter()
            DispatchQueue.global().async {
                // Every answer, then how the connection ended; or up to the first thing that is not an answer.
                var mine: [RawConnection.Received] = []
                repeat { mine.append(client.receive()) } while mine.count <= requests && mine.last!.isLine
                lock.withLock { received[c] = mine }
                reading.leave()
            }
            client.send(Array((0..<requests).map {
                #"{"id":\#($0),"method":"sample","params":{"count":64,"seed":\#(c * requests + $0),"output":"u8"}}"# + "\n"
            }.joined().utf8))
        }
        // Every request read: answered, or in flight (besides the stats request itself).
        let observer = try LineClient(path: daemon.socket)
        var pending = 0
        let read = try waitUntil(seconds: 60) {
            let stats = try observer.call(#"{"id":"stats","method":"stats"}"#)["result"] as? [String: Any] ?? [:]
            pending = (stats["in_flight"] as? Int ?? 0) - 1
            return pending + ((stats["requests"] as? [String: Int])?["sample"] ?? 0) == connections * requests
        }
        try #require(read, "the daemon read every request")
        try #require(pending >= connections * requests / 2, "most of the work is still queued at the signal: \(pending)")
        kill(daemon.process.processIdentifier, signal)

        // Refused while the queue drains: the daemon still runs, and connecting fails.
        let refused = waitUntil {
            daemon.process.isRunning && (try? LineClient(path: daemon.socket, timeoutSeconds: 1)) == nil
        }
        #expect(refused, "a connection made while draining is refused: \(daemon.log)")
        try #require(reading.wait(timeout: .now() + 120) == .success, "every connection ended")
        for (c, answers) in received.enumerated() {
            let results = answers.prefix(requests).enumerated().filter { i, item in
                guard case .line(let line) = item,
                      let answer = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                    return false
                }
                return answer["id"] as? Int == i && answer["result"] != nil
            }.count
            #expect(results == requests && answers.count == requests + 1 && answers.last == .closed,
                    "connection \(c): \(results) of \(requests) answered with results in order, then \(answers.last.map { "\($0)" } ?? "nothing")")
        }
        #expect(try daemon.waitForExit() == 0, "\(daemon.log)")
        #expect(!daemon.log.contains("drain timeout"), "the drain finished before its deadline: \(daemon.log)")
        #expect(!FileManager.default.fileExists(atPath: daemon.socket), "the socket is removed")
    }

    @Test func servesASocketPassedBySystemd() throws {
        let directory = temporaryDirectory()
        let model = try modelFile(kind: .vae, directory: directory)
        let path = "\(directory)/activated.sock"
        // What systemd does: bind and listen, pass the socket as fd 3 with LISTEN_PID and LISTEN_FDS, exec.
        let script = """
            import os, socket, sys
            s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o640); s.listen(64)
            os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
            os.environ['LISTEN_PID'] = str(os.getpid()); os.environ['LISTEN_FDS'] = '1'
            os.execv(sys.argv[2], [sys.argv[2], '--model', 'm=' + sys.argv[3], '--socket', sys.argv[1] + '.unused'])
            """
        let (process, _) = try startCommand("/usr/bin/env", ["python3", "-c", script, path, builtExecutable("vaed"), model],
                                            directory: directory)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var answer: [String: Any]?
        _ = waitUntil {
            answer = try? LineClient(path: path).call(#"{"id":1,"method":"hello"}"#)
            return answer != nil
        }
        #expect((answer?["result"] as? [String: Any])?["models"] as? [String] == ["m"])
        kill(process.processIdentifier, SIGTERM)
        try waitForExit(process, timeout: 30, what: "vaed after SIGTERM")
        #expect(process.terminationStatus == 0)
        var info = stat()
        #expect(stat(path, &info) == 0, "systemd's socket file is left alone")
        #expect(info.st_mode & 0o777 == 0o640, "and its mode is not changed")
        #expect(!FileManager.default.fileExists(atPath: path + ".unused"), "no socket of its own")
    }
}

/// A flag set once from one thread and read from another.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
