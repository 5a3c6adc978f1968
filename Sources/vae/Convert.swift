import ArgumentParser
import Foundation
import VAEExport
import VAEFiles
import VAEFormat

extension VAECommand {
    struct Convert: ParsableCommand {
        // Usage within 80 columns (argument-parser prints its generated usage as one line; a terminal breaks it).
        static let configuration = CommandConfiguration(
            abstract: "Convert between .vaez and safetensors, or a .vaez to one ONNX graph (the direction follows the file extensions).",
            usage: """
                vae convert <input> <output> [--dtype <dtype>] [--part <part>]
                            [--layout <layout>] [--metadata <file.json>] [--overwrite]
                """,
            discussion: """
                .vaez → .safetensors writes float32 tensors with the vaez metadata in __metadata__.vaez. \
                .safetensors → .vaez accepts our tensor names, pytorch/examples/vae's (fc1, fc21, fc22, fc3, fc4) \
                and the seed project's (fc1–fc3, fc41, fc42, fc5–fc8); without embedded or --metadata metadata it \
                infers the architecture from the shapes (28×28×1 input for 784 inputs). \
                .vaez → .onnx writes the graph of --part (encoder, decoder or denoise; Formats/onnx.md) with f32 or \
                f16 weights. An existing OUTPUT is refused unless --overwrite is given.
                """
        )

        @Argument(help: "The file to read (.vaez, a training folder, or .safetensors).")
        var input: String

        @Argument(help: "The file to write (.safetensors, .vaez or .onnx).")
        var output: String

        // Optional (default f32), as are --layout and --metadata, so that one given where it does nothing is refused.
        @Option(help: "The weights' dtype (default f32): f32, f16, bf16 or int8 in a .vaez output; f32 or f16 for .onnx.")
        var dtype: DTypeName?

        @Option(
            help: ArgumentHelp(
                "A JSON file with the .vaez metadata to use when importing safetensors.", valueName: "file.json"))
        var metadata: String?

        @Option(help: "The graph a .onnx output holds.")
        var part: ModelPart?

        @Option(help: "The .onnx graph's tensors: flat (x: [N, H*W]) or images (vaed's V2 names, [N, H, W]).")
        var layout: GraphInterface?

        @Flag(help: "Replace OUTPUT if it exists.")
        var overwrite = false

        func validate() throws {
            for (argument, path) in [("INPUT", input), ("OUTPUT", output)] where path == "" {
                throw ValidationError("\(argument) is an empty path")
            }
            let mode =
                Self.isKind(output, ".onnx") ? ".onnx" : Self.isKind(output, ".safetensors") ? ".safetensors" : ".vaez"
            if mode == ".vaez", !Self.isKind(output, ".vaez") {
                throw ValidationError("OUTPUT must end in .vaez, .safetensors or .onnx (got \(output))")
            }
            if layout != nil, mode != ".onnx" {
                throw ValidationError("--layout is for a .onnx output (not a \(mode) output)")
            }
            if metadata != nil, mode != ".vaez" {
                throw ValidationError("--metadata is for a .vaez output (not a \(mode) output)")
            }
            if dtype != nil, mode == ".safetensors" {
                throw ValidationError("--dtype is for a .vaez or .onnx output (a .safetensors output is float32)")
            }
            guard mode == ".onnx" else {
                if part != nil { throw ValidationError("--part is for a .onnx output (got \(output))") }
                return
            }
            guard part != nil else { throw ValidationError("a .onnx output needs --part encoder, decoder or denoise") }
            guard dtype ?? .f32 == .f32 || dtype == .f16 else {
                throw ValidationError("ONNX weights are f32 or f16 (got --dtype \(dtype?.rawValue ?? ""))")
            }
        }

        func run() throws {
            // The input is checked before the output, so a missing input is reported as such.
            guard Files.exists(input) else { throw userError("\(input): no such file or folder") }
            if Self.isKind(input, ".onnx") {
                throw userError("\(input) is an ONNX graph: it cannot be converted (convert its .vaez)")
            }
            if Self.isKind(output, ".onnx"), !isModel(input) {
                throw userError(
                    """
                    a .onnx output is converted from a .vaez file or a training folder
                    (got \(input)); convert safetensors to .vaez first
                    """)
            }
            if !overwrite, Files.exists(output) {
                throw userError("\(output) already exists (pass --overwrite to replace it)")
            }
            if Self.isKind(output, ".onnx"), let part {
                try writeONNX(part)
                return
            }
            switch (isModel(input), Self.isKind(output, ".safetensors"), Self.isKind(input, ".safetensors"),
                    Self.isKind(output, ".vaez")) {
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
                    try VAEZWriter.write(
                        metadata: modelMetadata, tensors: tensors, dtype: (dtype ?? .f32).dtype, to: output)
                } catch {
                    throw userError("\(error)")
                }
                let written = try ModelFiles.read(output)
                print(
                    "wrote \(output): \(written.metadata.architecture.kind.rawValue), "
                        + "\(written.tensors.count) tensors, \((dtype ?? .f32).rawValue), \(written.fileSize) bytes")
            default:
                throw userError(
                    """
                    convert goes .vaez → .safetensors, .safetensors → .vaez or
                    .vaez → .onnx with --part (got \(input) → \(output))
                    """)
            }
        }

        /// Whether `path` ends in `kind` (an extension with its dot), in any case: `x.ONNX` is a .onnx output.
        static func isKind(_ path: String, _ kind: String) -> Bool { path.lowercased().hasSuffix(kind) }

        /// A .vaez file or a training folder (its model.vaez), as vae export, inspect and verify take.
        private func isModel(_ path: String) -> Bool { Self.isKind(path, ".vaez") || Files.isDirectory(path) }

        private func writeONNX(_ part: ModelPart) throws {
            let file = try ModelFiles.read(input)
            let options = ONNXExport.Options(
                part: part, interface: layout ?? .flat, weights: dtype == .f16 ? .f16 : .f32,
                producerVersion: VAECommand.version)
            let bytes = try exporting { () throws(ExportError) in try ONNXExport.serialized(file, options) }
            do {
                try Files.writeAtomically(bytes, to: output)
            } catch {
                throw userError("\(error)")
            }
            // Two lines: with the path, one line runs past 80 columns.
            print("wrote \(output) (\(bytes.count) bytes):")
            print(
                "  the \(part.rawValue) graph, \((layout ?? .flat).rawValue) layout, opset \(ONNXExport.opsetVersion), "
                    + "\((dtype ?? .f32).rawValue) weights")
        }
    }
}
