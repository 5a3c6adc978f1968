import ArgumentParser
import VAEFormat

extension VAECommand {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check .vaez files: every checksum, the SHA-256, every structural rule and the shape contract.",
            discussion: "Exits 0 only if every file passes every check; each failure names the rule it broke."
        )

        @Argument(help: "The files to check.")
        var files: [String]

        func run() throws {
            var failed = false
            for path in files {
                do {
                    let file = try VAEZReader.read(path: path)
                    print("\(path): ok (.vaez \(file.version), \(file.tensors.count) tensors, sha256 \(file.fileSHA256))")
                } catch {
                    failed = true
                    print("\(path): \(error)")
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
