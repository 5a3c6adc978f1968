import Foundation
import Testing
import VAETestSupport

/// `--socket`, `--model`, `--json` and `--timeout` before the command, as docker, git -C and redis-cli -s take theirs.
extension VaectlTests {
    @Test func connectionOptionsGoBeforeOrAfterTheCommand() throws {
        let daemon = try testDaemon(twoModels: true)
        let health = try vaectl(["--socket", daemon.socket, "health"])
        #expect(health.status == 0 && health.text == "ok\n", "\(health.error)")
        let hello = try vaectl(["--socket=\(daemon.socket)", "--json", "--timeout", "30", "hello"])
        #expect(try hello.status == 0 && hello.json()["protocol"] as? Int == 1, "\(hello.error)")

        // The same sample with every option before the command, after it, and split between both places.
        let sample = ["sample", "-n", "3", "--seed", "5"]
        let runs = [
            ["--socket", daemon.socket, "--model", "digits", "--json"] + sample,
            sample + ["--socket", daemon.socket, "--model", "digits", "--json"],
            ["--model", "digits"] + sample + ["--json", "--socket", daemon.socket],
        ].map { try? vaectl($0) }
        let codes = runs.map { run in try? run?.json()["z"] as? [[Double]] }
        #expect(runs.allSatisfy { $0?.status == 0 }, "\(runs.map { $0?.error ?? "did not run" })")
        #expect(codes[0]?.count == 3 && codes[0] == codes[1] && codes[1] == codes[2], "\(codes)")

        // A global option is still checked, wherever it stands.
        let badTimeout = try vaectl(["--timeout", "0", "--socket", daemon.socket, "health"])
        #expect(
            badTimeout.status == 64 && badTimeout.error.contains("--timeout must be a positive number"),
            "\(badTimeout.error)")
        let unknownModel = try vaectl(["--socket", daemon.socket, "--model", "cats", "sample", "-n", "1", "--json"])
        #expect(unknownModel.status == 1 && unknownModel.error.contains("no model named 'cats'"), "\(unknownModel.error)")
        // rpc takes the socket from before the command too.
        let rpc = try vaectl(["--socket", daemon.socket, "rpc"], input: #"{"id":3,"method":"health"}"#)
        #expect(rpc.status == 0 && rpc.text.contains(#""id":3"#), "\(rpc.error)")
        #expect(daemon.stop() == 0)
    }

    @Test func helpNamesTheGlobalOptions() throws {
        let help = try vaectl(["--help"])
        #expect(help.status == 0)
        for option in ["--socket", "--model", "--json", "--timeout"] {
            #expect(help.text.contains(option), "\(option) in: \(help.text)")
        }
    }
}
