import ArgumentParser
import Foundation
import VAEClient
import VAEJSON
import VAEProtocol

extension Vaectl {
    struct RPC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rpc",
            abstract: "Pass JSON-RPC lines from standard input to the daemon and its answers to standard output.",
            discussion: """
                Lines go through as they are read, so this works in a pipeline and by hand. Notifications (no "id") \
                get no answer. At the end of the input vaectl half-closes the connection, the daemon answers what \
                is left and closes, and vaectl exits: 0 when every answer was a result, 1 when any was an error.
                """)

        // Only the socket is used: answers are awaited without a time limit (a person may take their time between
        // requests), so --timeout does not apply.
        @OptionGroup var connection: ConnectionOptions

        func run() throws {
            // No read timeout: a person may take their time between requests.
            let connection = try DaemonConnection(
                path: SocketPath.resolve(explicit: self.connection.socket), timeoutSeconds: nil)
            let sender = connection.sender
            let forwarding = Thread {
                var chunk = [UInt8](repeating: 0, count: 1 << 16)
                var last: UInt8 = 0x0A
                while true {
                    let n = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress!, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { break }
                    last = chunk[n - 1]
                    do {
                        try sender.send(Array(chunk[0..<n]))
                    } catch {
                        return  // the daemon closed; the reader reports what came back
                    }
                }
                // A last line without a newline is still a request.
                if last != 0x0A { try? sender.send([0x0A]) }
                sender.finishSending()
            }
            forwarding.start()
            var answers = 0
            var errors = 0
            while let line = try connection.readLine() {
                FileHandle.standardOutput.write(Data(line + [0x0A]))
                answers += 1
                errors += Self.errorCount(line)
            }
            if errors > 0 {
                throw Failure(
                    .daemonError, "\(errors) of \(answers) answers \(errors == 1 ? "was an error" : "were errors")")
            }
        }

        /// Error responses in one answer line (a batch answer may hold several).
        static func errorCount(_ line: [UInt8]) -> Int {
            guard line.count >= 8, String(decoding: line, as: UTF8.self).contains("\"error\":") else { return 0 }
            guard let value = try? JSONParser().parse(line) else { return 1 }
            let responses = value.arrayValue ?? [value]
            return responses.filter { $0["error"] != nil }.count
        }
    }
}
