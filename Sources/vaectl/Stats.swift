import ArgumentParser
import VAEClient
import VAEJSON
import VAEProtocol

extension Vaectl {
    struct Stats: ParsableCommand {
        // Usage within 80 columns: argument-parser prints its generated usage as one line, here and after errors.
        static let configuration = CommandConfiguration(
            abstract: "Show the daemon's counters: requests, errors, models, latency percentiles, request sizes.",
            usage: """
                vaectl stats [--prometheus] [--json] [--socket <socket>]
                             [--timeout <timeout>]
                """,
            discussion: "--json prints the daemon's stats result; --prometheus its Prometheus text instead.")

        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Print Prometheus text exposition format instead.") var prometheus = false
        @OptionGroup var format: JSONOption
        var json: Bool { format.json }

        func validate() throws {
            if prometheus && json { throw ValidationError("give either --prometheus or --json, not both") }
        }

        func run() throws {
            let session = try Session(connection)
            if prometheus {
                let result = try session.call(.stats, StatsParams(format: .prometheus).json)
                return print(result["text"]?.stringValue ?? "", terminator: "")
            }
            let result = try session.call(.stats)
            if json { return printJSON(result) }
            print(Table(rows: (result.members ?? []).map { [label($0.key), describe($0.key, $0.value)] }).text)
        }

        func label(_ key: String) -> String {
            switch key {
            case "uptime_seconds": "uptime"
            case "latency_us": "latency µs"
            default: key.replacingOccurrences(of: "_", with: " ")
            }
        }

        /// One member for people: counts as "name count, …", nested counts as "name: a 1, b 2; …".
        func describe(_ key: String, _ value: JSONValue) -> String {
            if key == "gemm", let gemm = ServerHello.describeGEMM(value) { return gemm }
            switch value {
            case .number(let n): return key == "uptime_seconds" ? "\(n.text) s" : n.text
            case .object(let members) where members.isEmpty: return "none"
            case .object(let members):
                let nested = members.contains { $0.value.members != nil }
                return members.map { member in
                    nested
                        ? "\(member.key): \(describe(member.key, member.value))"
                        : "\(member.key) \(compact(member.value))"
                }.joined(separator: nested ? "; " : ", ")
            default: return compact(value)
            }
        }

        func compact(_ value: JSONValue) -> String {
            var writer = JSONWriter()
            writer.value(value)
            return String(decoding: writer.bytes, as: UTF8.self)
        }
    }
}
