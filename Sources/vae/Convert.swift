import ArgumentParser
import Foundation
import VAEFiles
import VAEFormat

extension VAECommand {
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert between .vaez and safetensors (the direction follows the file extensions).",
            discussion: """
                .vaez → .safetensors writes float32 tensors with the vaez metadata in __metadata__.vaez. \
                .safetensors → .vaez accepts our tensor names, pytorch/examples/vae's (fc1, fc21, fc22, fc3, fc4) \
                and the seed project's (fc1–fc3, fc41, fc42, fc5–fc8); without embedded or --metadata metadata it \
                infers the architecture from the shapes (28×28×1 input for 784 inputs).
                """
        )

        @Argument(help: "The file to read (.vaez or .safetensors).")
        var input: String

        @Argument(help: "The file to write (.safetensors or .vaez).")
        var output: String

        @Option(help: "The tensors' dtype in a .vaez output.")
        var dtype: DTypeName = .f32

        @Option(help: "A JSON file with the .vaez metadata to use when importing safetensors.")
        var metadata: String?

        func run() throws {
            switch (input.hasSuffix(".vaez"), output.hasSuffix(".safetensors"), input.hasSuffix(".safetensors"), output.hasSuffix(".vaez")) {
            case (true, true, _, _):
                let file = try ModelFiles.read(input)
                do {
                    try Files.writeAtomically(Safetensors.serialize(file), to: output)
                } catch {
                    throw userError("\(output): \(error)")
                }
                print("wrote \(output): \(file.tensors.count) float32 tensors")
            case (_, _, true, true):
                do {
                    let metadataBytes = try metadata.map { try Files.read($0) }
                    let (modelMetadata, tensors) = try Safetensors.importModel(
                        Files.read(input), source: input, metadataJSON: metadataBytes)
                    try VAEZWriter.write(metadata: modelMetadata, tensors: tensors, dtype: dtype.dtype, to: output)
                } catch {
                    throw userError("\(error)")
                }
                let written = try ModelFiles.read(output)
                print(
                    "wrote \(output): \(written.metadata.architecture.kind.rawValue), "
                        + "\(written.tensors.count) tensors, \(dtype.rawValue), \(written.fileSize) bytes")
            default:
                throw ValidationError("convert goes from .vaez to .safetensors or from .safetensors to .vaez (got \(input) → \(output))")
            }
        }
    }
}
