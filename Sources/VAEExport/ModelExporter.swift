import SwiftProtobuf
import VAEFiles
import VAEFormat
import VAETritonConfigProto

/// Writes a model's graphs to disk: a folder of `.onnx` files, or a Triton model repository (Formats/onnx.md).
///
/// All or nothing: every file is first written under a temporary name (temporary file, fsync), then all are renamed
/// into place; a failure removes what the export wrote and leaves what was there before. Nothing is replaced unless
/// `overwrite` is set: a file or model folder already there is an `output_exists` error that names it, checked
/// before anything is written.
package struct ModelExporter: Sendable {
    /// The parts written, in this order.
    package static let parts: [ModelPart] = [.encoder, .decoder, .denoise]

    package var weights: WeightStorage
    package var overwrite: Bool
    package var producerVersion: String

    package init(weights: WeightStorage = .f32, overwrite: Bool = false, producerVersion: String = "0.1.0") {
        self.weights = weights
        self.overwrite = overwrite
        self.producerVersion = producerVersion
    }

    /// Writes `encoder.onnx`, `decoder.onnx` and `denoise.onnx` into `folder` (created if missing).
    /// - Returns: the paths written.
    package func writeGraphs(_ file: VAEZFile, to folder: String, interface: GraphInterface = .flat)
        throws(ExportError) -> [String]
    {
        let folder = Self.trimmingSlash(folder)
        let paths = Self.parts.map { Self.join(folder, "\($0.rawValue).onnx") }
        try refuseExisting(paths)
        let graphs = try Self.parts.map { part throws(ExportError) in
            try ONNXExport.serialized(file, options(part, interface))
        }
        try makeDirectory(folder)
        // All three or none: each graph goes to a temporary file in the folder, then all are renamed in; a failure
        // removes what this call wrote and leaves the files that were there before.
        let files = zip(paths, graphs).map { (path: $0, bytes: $1) }
        try fileSystem { () throws(DataError) in try Files.writeAllOrNone(files) }
        return paths
    }

    /// Writes one folder per method into `repository` (created if missing): `NAME.encode/config.pbtxt` and
    /// `NAME.encode/1/model.onnx`, the same for `decode` and `denoise`. The graphs use vaed's V2 tensor names
    /// (`GraphInterface.images`).
    /// - Returns: the paths written.
    package func writeTritonRepository(_ file: VAEZFile, to repository: String, triton: TritonConfiguration)
        throws(ExportError) -> [String]
    {
        try TritonConfiguration.check(name: triton.name)
        let repository = Self.trimmingSlash(repository)
        let folders = Self.parts.map { Self.join(repository, triton.modelName($0)) }
        try refuseExisting(folders)
        var files: [(folder: String, config: [UInt8], graph: [UInt8])] = []
        for (part, folder) in zip(Self.parts, folders) {
            let signature = GraphSignature(file.metadata.architecture, part: part, interface: .images)
            let config = Array(triton.config(part, signature).textFormatString().utf8)
            files.append((folder, config, try ONNXExport.serialized(file, options(part, .images))))
        }
        try makeDirectory(repository)
        // Every model folder is built whole under a temporary name in the repository, then all are swapped in (an
        // existing one, with --overwrite, is replaced whole: no stale version folder or stray file survives). A
        // failure removes the staged folders and puts back the ones swapped out: all three models or none.
        var staged: [(folder: String, temporary: String)] = []
        defer { for entry in staged { Files.removeTree(entry.temporary) } }
        for entry in files {
            let temporary = try fileSystem { () throws(DataError) in
                try Files.makeTemporaryDirectory(beside: entry.folder)
            }
            staged.append((entry.folder, temporary))
            try fileSystem(naming: temporary, as: entry.folder) { () throws(DataError) in
                try Files.makeDirectory("\(temporary)/1")
                try Files.writeAtomically(entry.graph, to: "\(temporary)/1/model.onnx")
                try Files.writeAtomically(entry.config, to: "\(temporary)/config.pbtxt")
            }
        }
        var swapped: [(folder: String, old: String?)] = []
        for entry in staged {
            do throws(DataError) {
                let old = try Files.swapDirectory(entry.folder, with: entry.temporary)
                swapped.append((entry.folder, old))
            } catch {
                for done in swapped.reversed() { Files.restoreDirectory(done.folder, from: done.old) }
                throw ExportError(.unwritable, error.message)
            }
        }
        staged = []
        for case let old? in swapped.map(\.old) { Files.removeTree(old) }
        return files.flatMap { ["\($0.folder)/1/model.onnx", "\($0.folder)/config.pbtxt"] }
    }

    /// `path` without trailing slashes (`out/` → `out`, `/` stays), so the paths printed read naturally.
    private static func trimmingSlash(_ path: String) -> String {
        var path = Substring(path)
        while path.count > 1 && path.hasSuffix("/") { path = path.dropLast() }
        return String(path)
    }

    /// `folder/name`, without doubling the slash of `/`.
    package static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : "\(folder)/\(name)"
    }

    private func options(_ part: ModelPart, _ interface: GraphInterface) -> ONNXExport.Options {
        ONNXExport.Options(part: part, interface: interface, weights: weights, producerVersion: producerVersion)
    }

    private func refuseExisting(_ paths: [String]) throws(ExportError) {
        guard !overwrite, let existing = paths.first(where: Files.exists) else { return }
        throw ExportError(.outputExists, "\(existing) already exists (pass --overwrite to replace it)")
    }

    private func makeDirectory(_ path: String) throws(ExportError) {
        do { try Files.makeDirectory(path) } catch { throw ExportError(.unwritable, error.message) }
    }

    /// Runs `body`, turning its error into `unwritable`; a temporary path in the message is replaced by the path
    /// the user sees (`r/.fashion.decode.tmp-6RGKCo/1/model.onnx` → `r/fashion.decode/1/model.onnx`).
    private func fileSystem<T>(naming temporary: String? = nil, as path: String = "", _ body: () throws(DataError) -> T)
        throws(ExportError) -> T
    {
        do { return try body() } catch {
            guard let temporary else { throw ExportError(.unwritable, error.message) }
            throw ExportError(.unwritable, error.message.replacing(temporary, with: path))
        }
    }
}

/// The Triton model configuration (`config.pbtxt`, Triton's `model_config.proto` in text format) of each method.
package struct TritonConfiguration: Sendable, Hashable {
    /// The served model's name: the methods are `NAME.encode`, `NAME.decode`, `NAME.denoise`, as in vaed.
    package var name: String
    /// Rows per request and per batch (vaed's `--max-batch`, 256 by default).
    package var maxBatchSize: Int
    /// How long a batch may wait for more requests (vaed's `--batch-window-us`, 200 by default).
    package var maxQueueDelayMicroseconds: Int
    /// Model instances on the CPU.
    package var instances: Int

    package init(name: String, maxBatchSize: Int = 256, maxQueueDelayMicroseconds: Int = 200, instances: Int = 1) {
        self.name = name
        self.maxBatchSize = maxBatchSize
        self.maxQueueDelayMicroseconds = maxQueueDelayMicroseconds
        self.instances = instances
    }

    /// The Triton model (and folder) name of `part`: `NAME.encode`, …
    package func modelName(_ part: ModelPart) -> String { "\(name).\(part.method)" }

    /// The configuration of `part` whose graph has `signature`.
    package func config(_ part: ModelPart, _ signature: GraphSignature) -> Inference_ModelConfig {
        var config = Inference_ModelConfig()
        config.name = modelName(part)
        config.platform = "onnxruntime_onnx"
        config.maxBatchSize = Int32(maxBatchSize)
        config.input = signature.inputs.map { tensor in
            var input = Inference_ModelInput()
            input.name = tensor.name
            input.dataType = Self.dataType(tensor.element)
            input.dims = tensor.dims.map(Int64.init)
            return input
        }
        config.output = signature.outputs.map { tensor in
            var output = Inference_ModelOutput()
            output.name = tensor.name
            output.dataType = Self.dataType(tensor.element)
            output.dims = tensor.dims.map(Int64.init)
            return output
        }
        var batching = Inference_ModelDynamicBatching()
        batching.maxQueueDelayMicroseconds = UInt64(maxQueueDelayMicroseconds)
        config.dynamicBatching = batching
        var group = Inference_ModelInstanceGroup()
        group.kind = .cpu
        group.count = Int32(instances)
        config.instanceGroup = [group]
        return config
    }

    /// A name usable as a folder and a URL path segment: letters, digits, `_`, `-` and `.`, not starting with `.`.
    package static func check(name: String) throws(ExportError) {
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                    || "_-.".unicodeScalars.contains(scalar))
        }
        guard !name.isEmpty, allowed, !name.hasPrefix("."), name.utf8.count <= 200 else {
            throw ExportError(
                .invalidName,
                "model name \"\(name)\" cannot name a Triton model folder\n"
                    + "(use letters, digits, _, - and . (not first), at most 200 bytes)")
        }
    }

    private static func dataType(_ element: TensorSignature.Element) -> Inference_DataType {
        switch element {
        case .float32: .typeFp32
        case .uint8: .typeUint8
        }
    }
}
