import ArgumentParser
import VAEExport
import VAEFiles
import VAEFormat

extension VAECommand {
    struct Export: ParsableCommand {
        // One usage line per mode, each within 80 columns: argument-parser prints its generated usage as one line
        // (it does not wrap it, even for a terminal), which a terminal breaks mid-word.
        static let configuration = CommandConfiguration(
            abstract:
                "Write a trained model as .vaez (optionally in a smaller dtype), ONNX graphs or a Triton repository.",
            usage: """
                vae export <source> -o <file.vaez> [--dtype <dtype>] [--overwrite]
                vae export <source> --onnx <dir> [--dtype <dtype>] [--layout <layout>]
                    [--overwrite]
                vae export <source> --triton-repository <dir> [--dtype <dtype>]
                    [--name <name>] [--max-batch-size <n>] [--batch-window-us <us>]
                    [--overwrite]
                """,
            discussion: """
                SOURCE is a training run's output folder (its model.vaez) or a .vaez file. Exactly one of -o, --onnx \
                and --triton-repository says what to write.

                -o FILE.vaez: f16 and bf16 halve the file; int8 (one f32 scale per output row; biases stay f32) \
                quarters it. The file is written atomically and deterministically (SOURCE_DATE_EPOCH sets its \
                creation time).

                --onnx DIR: DIR/encoder.onnx, DIR/decoder.onnx and DIR/denoise.onnx (opset 17, Formats/onnx.md). \
                --triton-repository DIR: DIR/NAME.encode/config.pbtxt and DIR/NAME.encode/1/model.onnx, the same for \
                decode and denoise, with vaed's Open Inference Protocol tensor names, so a client of vaed moves to \
                Triton by changing the URL. Both take --dtype f32 or f16 (float16 weights cast to float32 in the \
                graph); an int8 or bf16 model is written dequantised. An export writes all its files or none, \
                and replaces existing ones only with --overwrite.
                """
        )

        @Argument(help: "A training output folder or a .vaez file.")
        var source: String

        @Option(help: "The weights' dtype: f32, f16, bf16 or int8 for .vaez; f32 or f16 for ONNX.")
        var dtype: DTypeName = .f32

        @Option(
            name: .shortAndLong,
            help: ArgumentHelp(
                "The .vaez file to write (the extension must be .vaez).", valueName: "file.vaez"))
        var output: String?

        @Option(
            help: ArgumentHelp(
                "A folder to write encoder.onnx, decoder.onnx and denoise.onnx into.", valueName: "dir"))
        var onnx: String?

        @Option(
            help: ArgumentHelp(
                "A Triton model repository to write NAME.encode, NAME.decode and NAME.denoise into.", valueName: "dir"))
        var tritonRepository: String?

        // Optional (default flat), so that giving it where it does nothing is refused rather than ignored.
        @Option(help: "The graphs' tensors for --onnx: flat (x: [N, H*W], the default) or images (vaed's V2 names).")
        var layout: GraphInterface?

        @Option(help: "The model name in the Triton repository (default: SOURCE's name, as vaed names it).")
        var name: String?

        @Option(
            help: ArgumentHelp(
                "The Triton models' max_batch_size (default 256, vaed's --max-batch).", valueName: "n"))
        var maxBatchSize: Int?

        @Option(
            help: ArgumentHelp(
                "The Triton models' dynamic batching delay in µs (default 200, vaed's --batch-window-us).",
                valueName: "us"))
        var batchWindowUs: Int?

        @Flag(help: "Replace the .vaez file, ONNX files or Triton model folders if they exist.")
        var overwrite = false

        func validate() throws {
            let targets = [output, onnx, tritonRepository].compactMap { $0 }
            guard targets.count == 1 else {
                throw ValidationError("give exactly one of -o FILE.vaez, --onnx DIR and --triton-repository DIR")
            }
            for (option, path) in [("SOURCE", source), ("-o", output), ("--onnx", onnx),
                                   ("--triton-repository", tritonRepository)] where path == "" {
                throw ValidationError("\(option) is an empty path")
            }
            // The options of the other modes, each refused by name with what it is for.
            let modeOptions: [(name: String, given: Bool, mode: String?)] = [
                ("--layout", layout != nil, onnx),
                ("--name", name != nil, tritonRepository),
                ("--max-batch-size", maxBatchSize != nil, tritonRepository),
                ("--batch-window-us", batchWindowUs != nil, tritonRepository),
            ]
            for option in modeOptions where option.given && option.mode == nil {
                let mode = option.name == "--layout" ? "--onnx" : "--triton-repository"
                throw ValidationError("\(option.name) is for \(mode) (not \(output != nil ? "-o" : targetOption))")
            }
            if output == nil, dtype != .f32, dtype != .f16 {
                throw ValidationError("ONNX weights are f32 or f16 (got --dtype \(dtype.rawValue))")
            }
            if let output, !output.lowercased().hasSuffix(".vaez") {
                throw ValidationError(
                    """
                    -o writes a .vaez file (got \(output)); for ONNX use --onnx DIR or
                    --triton-repository DIR, or vae convert MODEL.vaez FILE.onnx --part P;
                    for safetensors, vae convert MODEL.vaez FILE.safetensors
                    """)
            }
            if let folder = onnx ?? tritonRepository,
                let suffix = [".onnx", ".pbtxt"].first(where: { folder.lowercased().hasSuffix($0) })
            {
                throw ValidationError(
                    """
                    \(targetOption) takes a folder, not a \(suffix) file (got \(folder));
                    for one graph: vae convert SOURCE FILE.onnx --part encoder|decoder|denoise
                    """)
            }
            if let maxBatchSize, !(1...65536).contains(maxBatchSize) {
                throw ValidationError("--max-batch-size must be between 1 and 65536 (got \(maxBatchSize))")
            }
            if let batchWindowUs, !(0...1_000_000).contains(batchWindowUs) {
                throw ValidationError("--batch-window-us must be between 0 and 1000000 (got \(batchWindowUs))")
            }
        }

        /// The option naming the ONNX output given: --onnx or --triton-repository.
        private var targetOption: String { onnx != nil ? "--onnx" : "--triton-repository" }

        func run() throws {
            let file = try ModelFiles.read(source)
            let exporter = ModelExporter(
                weights: dtype == .f16 ? .f16 : .f32, overwrite: overwrite, producerVersion: VAECommand.version)
            if let onnx {
                let written = try exporting { () throws(ExportError) in
                    try exporter.writeGraphs(file, to: onnx, interface: layout ?? .flat)
                }
                // One path a line: three paths on one line run past 80 columns.
                print("wrote (opset \(ONNXExport.opsetVersion), \(dtype.rawValue) weights):")
                for path in written { print("  \(path)") }
            } else if let tritonRepository {
                let triton = TritonConfiguration(
                    name: try modelName(), maxBatchSize: maxBatchSize ?? 256,
                    maxQueueDelayMicroseconds: batchWindowUs ?? 200)
                let written = try exporting { () throws(ExportError) in
                    try exporter.writeTritonRepository(file, to: tritonRepository, triton: triton)
                }
                print("wrote \(written.count) files into \(tritonRepository):")
                for part in ModelExporter.parts { print("  \(triton.modelName(part))") }
            } else if let output {
                try writeVAEZ(file, to: output)
            }
        }

        /// --name, or SOURCE's folder or file name as vaed names it, refused if it cannot name a Triton model.
        private func modelName() throws -> String {
            if let name { return name }
            let served = VAEZReader.servedName(source)
            do {
                try TritonConfiguration.check(name: served)
            } catch {
                throw userError(
                    """
                    model name "\(served)" (from SOURCE's name) cannot name a Triton model;
                    give one with --name NAME (letters, digits, _, - and ., not . first)
                    """)
            }
            return served
        }

        private func writeVAEZ(_ file: VAEZFile, to output: String) throws {
            if !overwrite, Files.exists(output) {
                throw userError("\(output) already exists (pass --overwrite to replace it)")
            }
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

/// Runs an export, turning its error into one line on stderr and exit 1.
func exporting<T>(_ body: () throws(ExportError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw userError("\(error)")
    }
}
