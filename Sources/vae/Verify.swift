import ArgumentParser
import VAEFormat

extension VAECommand {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check .vaez files: every checksum, the SHA-256, every structural rule and the shape contract.",
            discussion: "Exits 0 only if every file passes every check; each failure names the rule it broke."
        )

        @Argument(help: "The .vaez files to check, or training output folders (their model.vaez).")
        var files: [String]

        func run() throws {
            var failed = false
            for path in files {
                if let problem = ModelFiles.problem(resolving: path) {
                    failed = true
                    print(problem)
                    continue
                }
                let file = VAEZReader.modelPath(path)
                if let problem = ModelFiles.problem(reading: file) {
                    failed = true
                    print(problem)
                    continue
                }
                do {
                    let model = try VAEZReader.read(path: file)
                    print("\(file): ok (.vaez \(model.version), \(model.tensors.count) tensors, sha256 \(model.fileSHA256))")
                } catch let error as VAEZError {
                    failed = true
                    print("\(file): \(error)")
                } catch {
                    failed = true
                    print("\(error)")  // a DataError names the path itself
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
