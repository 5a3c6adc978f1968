import Foundation
import Testing
import VAECore
import VAEFormat
import VAENumerics
import VAETestSupport

@Suite("vaed end to end", .serialized, .timeLimit(.minutes(2)))
struct DaemonTests {
    @Test func servesEveryMethodOnAPrivateSocketAndStopsCleanly() throws {
        let daemon = try RunningDaemon()
        var info = stat()
        #expect(stat(daemon.socket, &info) == 0 && info.st_mode & 0o777 == 0o600, "socket mode is 0600")
        let client = try LineClient(path: daemon.socket)
        let hello = try client.call(#"{"jsonrpc":"2.0","id":1,"method":"hello"}"#)["result"] as! [String: Any]
        #expect(hello["models"] as? [String] == ["auto", "digits"])
        #expect(((try client.call(#"{"id":2,"method":"models"}"#)["result"] as! [String: Any])["models"] as! [Any]).count == 2)
        let image = "[" + (0..<784).map { _ in "0.5" }.joined(separator: ",") + "]"
        for model in ["digits", "auto"] {
            let encoded = try client.call(#"{"id":3,"method":"encode","params":{"model":"\#(model)","images":[\#(image)]}}"#)
            #expect(((encoded["result"] as! [String: Any])["z"] as! [[Double]]).first?.count == 2)
            let decoded = try client.call(#"{"id":4,"method":"decode","params":{"model":"\#(model)","z":[[0,1]],"output":"png"}}"#)
            #expect(((decoded["result"] as! [String: Any])["images"] as! [[String: String]]).first?["png"] != nil)
            let sampled = try client.call(#"{"id":5,"method":"sample","params":{"model":"\#(model)","count":3,"seed":1}}"#)
            #expect(((sampled["result"] as! [String: Any])["images"] as! [[Double]]).count == 3)
            let denoised = try client.call(#"{"id":6,"method":"denoise","params":{"model":"\#(model)","images":[\#(image)]}}"#)
            #expect(((denoised["result"] as! [String: Any])["images"] as! [[Double]]).first?.count == 784)
        }
        #expect(((try client.call(#"{"id":7,"method":"health"}"#)["result"]) as! [String: String])["status"] == "ok")
        #expect(daemon.stop() == 0, "SIGTERM drains and exits 0")
        #expect(!FileManager.default.fileExists(atPath: daemon.socket), "the socket file is removed on exit")
    }

    @Test func statsCountRequestsErrorsModelsAndLatencyInJSONAndPrometheus() throws {
        let daemon = try RunningDaemon()
        let client = try LineClient(path: daemon.socket)
        for i in 0..<3 { _ = try client.call(#"{"id":\#(i),"method":"health"}"#) }
        _ = try client.call(#"{"id":9,"method":"sample","params":{"model":"digits","count":5,"seed":1}}"#)
        _ = try client.call(#"{"id":10,"method":"sample","params":{"model":"nope","count":1}}"#)
        _ = try client.call("{oops")
        let stats = try client.call(#"{"id":11,"method":"stats"}"#)["result"] as! [String: Any]
        #expect((stats["requests"] as! [String: Int])["health"] == 3)
        #expect((stats["requests"] as! [String: Int])["sample"] == 2)
        #expect((stats["errors"] as! [String: Int]) == ["model_not_found": 1, "parse_error": 1])
        #expect((stats["by_model"] as! [String: [String: Int]])["digits"] == ["requests": 1, "errors": 0])
        #expect((stats["request_rows"] as! [String: Int])["5-16"] == 1)
        #expect(stats["connections"] as? Int == 1 && stats["in_flight"] as? Int == 1, "the stats request itself")
        #expect(stats["queue_depth"] as? Int == 0)
        // The daemon runs the same GEMM library and kernels as this test process on this machine.
        let gemm = ["library": GEMM.kernels.library, "version": GEMM.kernels.version,
                    "isa": GEMM.kernels.instructionSet, "cpu_isa": GEMM.kernels.cpuInstructionSet]
        #expect(stats["gemm"] as? [String: String] == gemm)
        #expect((stats["batch_sizes"] as! [String: Int])["5-16"] == 1, "the one sample that reached the model ran as one batch of 5")
        let latency = stats["latency_us"] as! [String: Double]
        #expect(latency["p50"]! > 0 && latency["p50"]! <= latency["p99"]! && latency["p99"]! <= latency["p99_9"]!)

        let text = (try client.call(#"{"id":12,"method":"stats","params":{"format":"prometheus"}}"#)["result"] as! [String: String])["text"]!
        #expect(text.contains("# TYPE vaed_requests_total counter\n"))
        #expect(text.contains("vaed_requests_total{model=\"\",method=\"health\",transport=\"unix\"} 3\n"))
        #expect(text.contains("vaed_requests_total{model=\"digits\",method=\"sample\",transport=\"unix\"} 1\n"))
        #expect(text.contains("vaed_errors_total{model=\"\",method=\"invalid\",transport=\"unix\",type=\"parse_error\"} 1\n"))
        #expect(text.contains("vaed_errors_total{model=\"\",method=\"sample\",transport=\"unix\",type=\"model_not_found\"} 1\n"))
        #expect(text.contains("vaed_request_duration_seconds_count{model=\"\",method=\"health\"} 3\n"))
        #expect(text.contains("vaed_request_duration_seconds_count{model=\"digits\",method=\"sample\"} 1\n"))
        #expect(text.contains("vaed_queue_wait_seconds_count{model=\"digits\",method=\"sample\"} 1\n"))
        #expect(text.contains("vaed_gemm_info{library=\"oneDNN\",version=\"\(GEMM.kernels.version)\",isa=\"\(GEMM.kernels.instructionSet)\",cpu_isa=\"\(GEMM.kernels.cpuInstructionSet)\"} 1.0\n"))
        let bad = try client.call(#"{"id":13,"method":"stats","params":{"format":"xml"}}"#)
        #expect(((bad["error"] as? [String: Any])?["data"] as? [String: Any])?["type"] as? String == "invalid_params")
        #expect(daemon.stop() == 0)
    }

    @Test func pipelinedRequestsComeBackInOrderAndConcurrentClientsLoseNothing() throws {
        let daemon = try RunningDaemon()
        let client = try LineClient(path: daemon.socket)
        let lines = (0..<200).map { #"{"id":\#($0),"method":"sample","params":{"model":"digits","count":1,"seed":\#($0),"output":"u8"}}"# }
        try client.send(Array(lines.map { $0 + "\n" }.joined().utf8))
        for i in 0..<200 {
            let response = try JSONSerialization.jsonObject(with: Data(try #require(try client.readLine()).utf8)) as! [String: Any]
            #expect(response["id"] as? Int == i)
        }
        let lock = NSLock()
        nonisolated(unsafe) var total = 0
        nonisolated(unsafe) var problems: [String] = []
        let path = daemon.socket
        // 64 connections × 200 requests, each connection keeping up to 8 in flight: nothing lost, nothing reordered.
        let image = #"{"u8":""# + Data((0..<784).map { UInt8($0 % 256) }).base64EncodedString() + #""}"#
        DispatchQueue.concurrentPerform(iterations: 64) { connection in
            var count = 0
            do {
                let c = try LineClient(path: path)
                func request(_ i: Int) -> String {
                    i % 2 == 0 ? #"{"id":\#(i),"method":"encode","params":{"model":"digits","images":[\#(image)]}}"#
                        : #"{"id":\#(i),"method":"sample","params":{"model":"auto","count":1,"seed":\#(i),"output":"u8"}}"#
                }
                for i in 0..<8 { try c.send(request(i)) }
                for i in 0..<200 {
                    let line = try #require(try c.readLine())
                    let response = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                    if response["id"] as? Int == i && response["result"] != nil { count += 1 }
                    if i + 8 < 200 { try c.send(request(i + 8)) }
                }
            } catch {
                lock.lock()
                problems.append("connection \(connection): \(error)")
                lock.unlock()
            }
            lock.lock()
            total += count
            lock.unlock()
        }
        #expect(problems.isEmpty, "\(problems)")
        #expect(total == 64 * 200)
        #expect(daemon.stop() == 0)
    }

    /// Clients that hang up while their requests are still queued or computing: the daemon drops those answers,
    /// keeps serving everyone else, and still stops cleanly (exit 0). Under ThreadSanitizer this is also the test
    /// that makes answers finish after their connection has gone.
    @Test func clientsThatHangUpWithWorkInFlightDoNotDisturbTheOthers() throws {
        let daemon = try RunningDaemon()
        let control = try LineClient(path: daemon.socket)
        let heavy = #"{"id":1,"method":"sample","params":{"model":"digits","count":64,"seed":1}}"# + "\n"
        // 32 clients, each sending 16 requests of 64 images and closing at once, none of them reading.
        let path = daemon.socket
        DispatchQueue.concurrentPerform(iterations: 32) { _ in
            guard let client = try? RawConnection(path: path) else { return }
            client.send(Array(String(repeating: heavy, count: 16).utf8))
        }
        // Everything they sent is finished or dropped: only the control connection and its stats request remain.
        var last: [String: Any] = [:]
        let settled = try waitUntil(seconds: 60) {
            last = try control.call(#"{"id":2,"method":"stats"}"#)["result"] as? [String: Any] ?? [:]
            return last["connections"] as? Int == 1 && last["in_flight"] as? Int == 1
        }
        #expect(settled, "the abandoned work ends: \(last)")
        #expect(((last["requests"] as? [String: Int])?["sample"] ?? 0) >= 32, "their requests were read: \(last)")
        let answer = try control.call(#"{"id":3,"method":"sample","params":{"model":"digits","count":2,"seed":3}}"#)
        #expect(((answer["result"] as? [String: Any])?["images"] as? [Any])?.count == 2, "still serving: \(answer)")
        #expect(daemon.stop() == 0, "\(daemon.log)")
    }

    @Test func malformedInputGetsErrorsAndTheDaemonStaysUp() throws {
        let daemon = try RunningDaemon(extraArguments: ["--max-line-bytes", "4096"])
        let client = try LineClient(path: daemon.socket)
        let corpus: [(String, String)] = [
            ("{", "parse_error"), ("[]", "invalid_request"), (#"{"id":1,"method":"x"}"#, "method_not_found"),
            (#"{"id":1,"id":2,"method":"health"}"#, "parse_error"), (String(repeating: "[", count: 3000), "parse_error"),
            (#"{"id":1e999,"method":"health"}"#, "parse_error"), ("{\"id\":1,\"method\":\"he\u{0}llo\"}", "parse_error"),
            (#"{"id":1,"method":"sample","params":{"count":1}}"#, "model_required"),
            (#"{"id":1,"method":"sample","params":{"model":"nope","count":1}}"#, "model_not_found"),
        ]
        for (line, type) in corpus {
            let response = try client.call(line)
            #expect(((response["error"] as? [String: Any])?["data"] as? [String: Any])?["type"] as? String == type, "\(line.prefix(40))")
        }
        // Random lines, from a seed a failure names (VAE_FUZZ_SEED=<seed> replays or varies the run).
        let seed = ProcessInfo.processInfo.environment["VAE_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5EED_F022
        var random = RandomSource(seed: seed)
        for i in 0..<50 {
            var bytes = (0..<(1 + Int(random.next() % 200))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            bytes.removeAll { $0 == 0x0A }
            let what = "fuzz seed \(seed), line \(i): \(bytes.map { String($0, radix: 16) }.joined(separator: " "))"
            try client.send(bytes + [0x0A])
            if !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                let line: String?
                do { line = try client.readLine() } catch { Issue.record("\(error); \(what)"); break }
                #expect(line?.contains("\"error\"") == true, "answer \(line ?? "none (closed)"); \(what)")
            }
        }
        // A line over the limit: line_too_long, then the connection closes; others are unaffected.
        let long = try LineClient(path: daemon.socket)
        try long.send(String(repeating: "x", count: 10_000))
        let answer = try #require(try long.readLine())
        #expect(answer.contains("line_too_long"))
        #expect(try long.readLine() == nil, "closed after line_too_long")
        #expect((try client.call(#"{"id":9,"method":"health"}"#)["result"] as? [String: String])?["status"] == "ok")
        #expect(daemon.stop() == 0)
    }

    @Test func aClientThatHalfClosesStillGetsEveryAnswer() throws {
        let daemon = try RunningDaemon()
        let client = try LineClient(path: daemon.socket)
        try client.send(#"{"id":1,"method":"health"}"# + "\n" + #"{"id":2,"method":"sample","params":{"model":"digits","count":2,"seed":3}}"#)
        client.finishSending()
        let first = try #require(try client.readLine()), second = try #require(try client.readLine())
        #expect(first.contains(#""id":1"#) && second.contains(#""id":2"#))
        #expect(try client.readLine() == nil, "then the server closes")

        // A last request without a line ending, then a half-close (`printf '…' | nc -U`): still answered.
        let unterminated = try LineClient(path: daemon.socket)
        try unterminated.send(Array(#"{"id":3,"method":"health"}"#.utf8))
        unterminated.finishSending()
        #expect(try unterminated.readLine()?.contains(#""id":3"#) == true)
        #expect(try unterminated.readLine() == nil)
        #expect(daemon.stop() == 0)
    }

    /// Connects as uid/gid 65534 (nobody) from a child process and returns what it printed: `b'…'`, what the daemon
    /// sent back, or `refused`, when the kernel refused the connection. Exit status 77: it could not become nobody.
    func answerToNobody(_ socket: String) throws -> CommandResult {
        let script = """
            import os, socket, sys
            try:
                os.setgroups([]); os.setgid(65534); os.setuid(65534)
            except OSError as error:
                print(f"cannot become uid 65534: {error!r}", file=sys.stderr); sys.exit(77)
            assert os.getuid() == 65534 and os.geteuid() == 65534
            s = socket.socket(socket.AF_UNIX); s.settimeout(10)
            try:
                s.connect(sys.argv[1])
            except PermissionError:
                print("refused"); sys.exit(0)
            # Refused means closed unanswered; depending on timing that shows as EOF, a reset (the request was
            # unread when the daemon closed) or a broken pipe (closed before the request was even sent).
            try:
                s.sendall(b'{"id":1,"method":"health"}\\n')
                answer = s.recv(1000)
            except (ConnectionResetError, BrokenPipeError):
                answer = b''
            print(repr(answer))
            """
        let result = try runCommand("/usr/bin/env", ["python3", "-c", script, socket], directory: temporaryDirectory())
        if result.status == 77 { Issue.record("the test cannot run: \(result.standardError)") }
        #expect(result.status == 0, "stderr: \(result.standardError)")
        return result
    }

    @Test(.enabled(if: getuid() == 0, "connecting as another user (nobody) needs root"))
    func otherUsersAreRefusedEvenWhenTheModeLetsThemConnect() throws {
        // 0666 lets the kernel admit anyone; SO_PEERCRED still refuses a user who is not admitted.
        let open = try RunningDaemon(extraArguments: ["--socket-mode", "0666"])
        chmod(open.directory, 0o755)
        let nobody = try answerToNobody(open.socket)
        #expect(nobody.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "b''", "closed unanswered")
        #expect((try LineClient(path: open.socket).call(#"{"id":2,"method":"health"}"#)["result"]) != nil, "the owner is served")
        #expect(open.stop() == 0)
        // With the default 0600 the kernel already refuses the connection (the same directory mode let nobody
        // reach the socket above).
        let closed = try RunningDaemon()
        chmod(closed.directory, 0o755)
        let refused = try answerToNobody(closed.socket)
        #expect(refused.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "refused")
        #expect(closed.stop() == 0)
    }

    @Test func aSecondDaemonRefusesAndAStaleSocketIsReplaced() throws {
        let daemon = try RunningDaemon()
        let second = try runCommand(builtExecutable("vaed"), ["--model", "x=\(daemon.directory)/vae.vaez", "--socket", daemon.socket],
                                    directory: daemon.directory)
        #expect(second.status != 0 && second.standardError.contains("already running at \(daemon.socket)"))
        #expect(try LineClient(path: daemon.socket).call(#"{"id":1,"method":"health"}"#)["result"] != nil, "the first keeps serving")
        #expect(daemon.stop() == 0)

        // A socket file nobody listens on (as a killed daemon leaves behind) is replaced.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(daemon.socket.utf8)) }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(stale)
        #expect(FileManager.default.fileExists(atPath: daemon.socket))
        let (process, _) = try startCommand(builtExecutable("vaed"), ["--model", "x=\(daemon.directory)/vae.vaez", "--socket", daemon.socket],
                                            directory: daemon.directory)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        #expect(waitForSocket(daemon.socket), "the stale socket was replaced")
        kill(process.processIdentifier, SIGTERM)
        try waitForExit(process, timeout: 30, what: "vaed after SIGTERM")
        #expect(process.terminationStatus == 0)
    }

    /// `--model FILE` is named by its stem (as `--model-dir` names files) and a training folder means its
    /// model.vaez, as in `vae inspect`; a path that cannot be read is named once.
    @Test func bareModelFilesAreNamedByStemAndTrainingFoldersAreRead() throws {
        let directory = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(directory)/run", withIntermediateDirectories: true)
        try writeModelFile(kind: .vae, seed: 5, to: "\(directory)/run/model.vaez")
        try writeModelFile(kind: .ae, seed: 6, to: "\(directory)/digits.vaez")
        let daemon = try RunningDaemon(directory: directory, arguments: [
            "--model", "x=\(directory)/run", "--model", "\(directory)/digits.vaez",
        ])
        let client = try LineClient(path: daemon.socket)
        let hello = try client.call(#"{"jsonrpc":"2.0","id":1,"method":"hello"}"#)["result"] as? [String: Any]
        #expect(hello?["models"] as? [String] == ["digits", "x"], "log: \(daemon.log)")
        #expect(daemon.stop() == 0)

        let empty = temporaryDirectory()
        let missing = try runCommand(builtExecutable("vaed"), ["--model", "y=\(empty)", "--socket", "\(directory)/s2"],
                                     directory: directory)
        #expect(missing.status == 1 && missing.standardError.contains("cannot load model 'y'"), "stderr: \(missing.standardError)")
        #expect(missing.standardError.components(separatedBy: empty).count == 2, "the path once: \(missing.standardError)")
    }

    @Test func badModelFilesAndFlagsAreClearErrors() throws {
        let directory = temporaryDirectory()
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: "\(directory)/bad.vaez"))
        let bad = try runCommand(builtExecutable("vaed"), ["--model", "m=\(directory)/bad.vaez", "--socket", "\(directory)/s"], directory: directory)
        #expect(bad.status != 0 && bad.standardError.contains("cannot load model 'm'") && bad.standardError.contains("too_short"))
        let none = try runCommand(builtExecutable("vaed"), ["--socket", "\(directory)/s"], directory: directory)
        #expect(none.status != 0 && none.standardError.contains("--model NAME=FILE"))
        let help = try runCommand(builtExecutable("vaed"), ["--help"], directory: directory)
        let text = help.standardOutput.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        // --threads states its default in words once, not also this machine's count.
        #expect(text.contains("container CPU quota).") && !text.contains("quota). (default:"), "help: \(help.standardOutput)")
        let usage = try runCommand(builtExecutable("vaed"), ["--no-such-option"], directory: directory)
        #expect(usage.status == 64, "usage errors exit 64 (EX_USAGE): \(usage.standardError)")
        // A mistyped option is named as such, not reported as a missing --model.
        let typo = try runCommand(builtExecutable("vaed"), ["--modle", "m=x"], directory: directory)
        #expect(typo.status == 64 && typo.standardError.contains("Unknown option '--modle'"), "\(typo.standardError)")
        #expect(none.status == 64, "a missing --model is a usage error too: \(none.standardError)")
        let mode = try runCommand(builtExecutable("vaed"), ["--model", "m=x", "--socket-mode", "999"], directory: directory)
        #expect(mode.status != 0 && mode.standardError.contains("--socket-mode must be an octal mode"))
    }
}
