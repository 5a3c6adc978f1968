import ArgumentParser
import VAEClient

extension Vaectl {
    struct Hello: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the daemon's version, protocol, limits, model names and GEMM kernels.",
            discussion: "--json prints the daemon's hello result.")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var format: JSONOption
        var json: Bool { format.json }

        func run() throws {
            let session = try Session(connection)
            let result = try session.call(.hello)
            if json { return printJSON(result) }
            let hello = try ServerHello(result: result, path: session.connection.path)
            print(
                Table(rows: [
                    ["server", hello.server],
                    ["protocol", String(hello.protocolVersion)],
                    ["socket", session.connection.path],
                    ["models", hello.models.isEmpty ? "none" : hello.models.joined(separator: ", ")],
                    ["limits", "max_line_bytes \(hello.maxLineBytes), max_batch \(hello.maxBatch)"],
                    ["gemm", hello.gemm ?? "not reported"],
                ]).text)
        }
    }
}

/// Rows of text in left-aligned columns, two spaces apart.
struct Table {
    var rows: [[String]]

    var text: String {
        let widths = (0..<(rows.map(\.count).max() ?? 0)).map { column in
            rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
        }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
