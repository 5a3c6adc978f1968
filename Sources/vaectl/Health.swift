import ArgumentParser

extension Vaectl {
    struct Health: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check that the daemon answers: prints its status; exits 1 unless the status is ok (say, while it drains)."
        )

        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Print the daemon's health result as JSON.") var json = false

        func run() throws {
            let result = try Session(connection).call("health")
            let status = result["status"]?.stringValue ?? "unknown"
            if json { printJSON(result) } else { print(status) }
            guard status == "ok" else { throw Failure(.daemonError, "the daemon's status is \(status)") }
        }
    }
}
