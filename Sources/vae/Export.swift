import ArgumentParser
import VAEFormat

extension VAECommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a trained model as .vaez, optionally in a smaller dtype.",
            discussion: """
                SOURCE is a training run's output folder (its model.vaez) or a .vaez file. f16 and bf16 halve the \
                file; int8 (one f32 scale per output row; biases stay f32) quarters it. The file is written \
                atomically and deterministically (SOURCE_DATE_EPOCH sets its creation time).
                """
        )

        @Argument(help: "A training output folder or a .vaez file.")
        var source: String

        @Option(help: "The tensors' dtype in the file.")
        var dtype: DTypeName = .f32

        @Option(name: .shortAndLong, help: "The file to write.")
        var output: String

        func run() throws {
            let file = try ModelFiles.read(source)
            do {
                try VAEZWriter.write(metadata: file.metadata, tensors: file.tensors.map(\.named), dtype: dtype.dtype,
                                     created: file.metadata.created, to: output)
            } catch {
                throw userError("\(output): \(error)")
            }
            let written = try ModelFiles.read(output)
            print("wrote \(output): \(dtype.rawValue), \(written.fileSize) bytes, sha256 \(written.fileSHA256)")
        }
    }
}
