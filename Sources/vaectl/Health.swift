import ArgumentParser

extension Vaectl {
    struct Health: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check that the daemon answers: prints its status; exits 1 unless the status is ok (say, while it drains).",
            discussion: "--json prints the daemon's health result.")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var format: JSONOption
        var json: Bool { format.json }

        func run() throws {
            let result = try Session(connection).call(.health)
            let status = result["status"]?.stringValue ?? "unknown"
            if json { printJSON(result) } else { print(status) }
            guard status == "ok" else { throw Failure(.daemonError, "the daemon's status is \(status)") }
        }
    }
}
