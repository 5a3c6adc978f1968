import Foundation
import Testing
import VAETestSupport

/// Help and the usage printed after an error fit 80 columns: argument-parser prints a generated usage on one line.
extension VaectlTests {
    static let commands = ["", "hello", "models", "health", "stats", "sample", "denoise", "encode", "decode", "noise",
                           "rpc", "bench"]

    @Test func helpAndUsageFitEightyColumns() throws {
        for command in Self.commands {
            let help = try vaectl((command.isEmpty ? [] : [command]) + ["--help"], environment: ["COLUMNS": nil])
            let wide = help.text.split(separator: "\n").filter { $0.count > 80 }
            #expect(help.status == 0 && wide.isEmpty, "vaectl \(command) --help: \(wide)")
        }
        // The usage reprinted after an argument error.
        for arguments in [["frobnicate"], ["encode"], ["sample", "--grid", "0"], ["noise", "x.png"]] {
            let refused = try vaectl(arguments)
            let wide = refused.error.split(separator: "\n").filter { $0.count > 80 }
            #expect(
                refused.status == 64 && refused.error.contains("Usage: vaectl") && wide.isEmpty,
                "\(arguments): \(refused.error)")
        }
    }
}
