import ArgumentParser
import Foundation

@main
struct Vaectl: ParsableCommand {
    // Usage within 80 columns: argument-parser prints its generated usage as one line, here and after errors.
    static let configuration = CommandConfiguration(
        commandName: "vaectl",
        abstract: "Talk to vaed: sample, denoise, encode and decode images, inspect the daemon, load-test it.",
        usage: """
            vaectl [--socket <socket>] [--timeout <timeout>] [--model <model>]
                   [--json] <subcommand>
            """,
        discussion: """
            The socket is --socket, else $VAED_SOCKET, else $XDG_RUNTIME_DIR/vaed.sock, else \
            /tmp/vaed-<uid>/vaed.sock, as for vaed. Images in are PNG (grey, RGB or RGBA, 8 or 16 bits) or IDX files \
            (- reads one from standard input; JPEG is not read: convert it to PNG first); images out are 8-bit PNG, \
            grey or RGB as the model's, written atomically. A table model's rows are CSV files in (encode, denoise, \
            bench --input) and out (decode, sample, denoise: -o NAME.csv or -o -); an -o of the other format is \
            refused.

            The options below are global: they go before the command or after it (vaectl --socket PATH --model \
            digits sample -n 16 -o grid.png), and a command ignores those it has no use for.

            Exit status: 0 success; 1 the daemon answered with an error (its message is printed); 3 cannot connect to \
            the daemon, or it stopped answering; 64 usage error (bad arguments, or an input or output file that \
            cannot be used), EX_USAGE as for vae and vaed.
            """,
        version: "0.1.0",
        subcommands: [
            Hello.self, Models.self, Health.self, Stats.self, Sample.self, Denoise.self, Encode.self, Decode.self,
            Noise.self, RPC.self, Bench.self,
        ]
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var model: ModelOption
    @OptionGroup var format: JSONOption

    /// Runs the command, mapping every failure to the documented exit status with one line on stderr.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(with: error)
        }
    }

    static func exit(with error: Error) -> Never {
        if let failure = Failure(error) {
            FileHandle.standardError.write(Data("vaectl: error: \(failure.message)\n".utf8))
            Foundation.exit(failure.status.rawValue)
        }
        let code = exitCode(for: error)
        if code == .validationFailure {
            // argument-parser's own status (64, EX_USAGE), with its message and usage after our prefix.
            var text = fullMessage(for: error)
            if text.hasPrefix("Error: ") { text = "vaectl: error: " + text.dropFirst(7) }
            FileHandle.standardError.write(Data((text + "\n").utf8))
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        exit(withError: error)  // --help and --version (status 0), or an ExitCode
    }
}
