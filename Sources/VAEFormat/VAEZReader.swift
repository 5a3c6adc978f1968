import VAEFiles

/// Reads and fully checks `.vaez` files (Formats/vaez.md section 11), refusing anything wrong with the first
/// failing rule, in the spec's order.
///
/// Every step runs on every read: the footer SHA-256, the header CRC, each section CRC, the frame checks and the
/// decompression. Nothing is trusted, and nothing is allocated or decompressed beyond the limits.
public enum VAEZReader {
    /// Files at least this large share the hashing and tensor decoding between two threads; below it a thread hop
    /// costs more than it saves.
    static let overlapThreshold = 256 * 1024

    /// Reads the file at `path`.
    ///
    /// - Throws: `DataError` when the file cannot be read; `VAEZError` with the first rule it breaks (`bad_magic`
    ///   for a path ending in `.onnx`, without reading it: an ONNX graph, not a model).
    public static func read(path: String, limits: VAEZLimits = .default) throws -> VAEZFile {
        // `vae export` writes .onnx files beside models: say what one is rather than show its first bytes.
        guard !path.lowercased().hasSuffix(".onnx") else {
            throw VAEZError(.badMagic, "an ONNX graph, not a .vaez model")
        }
        let bytes = try Files.read(path)
        return try read(bytes: bytes, limits: limits)
    }

    /// Reads a whole file held in memory.
    ///
    /// - Throws: `VAEZError` with the first rule the bytes break.
    public static func read(bytes: [UInt8], limits: VAEZLimits = .default) throws(VAEZError) -> VAEZFile {
        let result = bytes.withUnsafeBytes { file in
            Result { () throws(VAEZError) in try read(file: file, limits: limits) }
        }
        return try result.get()
    }

    /// Checks without keeping the model: returns normally for a valid file.
    public static func verify(bytes: [UInt8], limits: VAEZLimits = .default) throws(VAEZError) {
        _ = try read(bytes: bytes, limits: limits)
    }

    static func read(file: UnsafeRawBufferPointer, limits: VAEZLimits) throws(VAEZError) -> VAEZFile {
        let preamble = try EnvelopeCheck.checkPreamble(file)  // steps 1–6
        // Steps 8–16 run before the SHA-256 of step 7 so that it can overlap the tensor work below; they are written
        // for arbitrary bytes anyway. A failure there is reported only once step 7 has passed, keeping the order.
        let checked: CheckedModel
        do {
            checked = try checkContainer(file, preamble, limits: limits)
        } catch {
            _ = try EnvelopeCheck.checkSHA256(file).get()
            throw error
        }
        let outcome = TensorJobs.run(
            file: file, records: checked.records, limit: limits.maxTensorBytes,
            parallel: file.count >= overlapThreshold)
        let digests = try outcome.digests.get()
        var tensors: [VAEZFile.Tensor] = []
        tensors.reserveCapacity(checked.records.count)
        for (record, values) in zip(checked.records, outcome.tensors) {
            tensors.append(
                VAEZFile.Tensor(
                    name: record.name, shape: record.dims.map { Int($0) }, dtype: record.dtype,
                    values: try values.get(), section: record.section))
        }
        return VAEZFile(
            version: VAEZFile.Version(major: preamble.versionMajor, minor: preamble.versionMinor),
            optionalFeatures: preamble.optionalFeatures, metadata: checked.metadata, tensors: tensors,
            sections: checked.sections, fileSize: file.count, contentSHA256: digests.content, fileSHA256: digests.file)
    }

    private struct CheckedModel {
        var metadata: ModelMetadata
        var records: [TensorIndex.Record]
        var sections: [SectionEntry]
    }

    /// Steps 8–16: everything but the footer hash and the tensor data (the order of section 11.1).
    private static func checkContainer(
        _ file: UnsafeRawBufferPointer, _ preamble: Preamble, limits: VAEZLimits
    ) throws(VAEZError) -> CheckedModel {
        try EnvelopeCheck.checkReserved(file)
        let table = try SectionTableCheck.check(file, preamble, limits: limits)
        let reader = SectionReader(file: file)
        let metadataRaw = try reader.rawBytes(of: table.metadata, limit: limits.maxMetadataLength)
        let indexRaw = try reader.rawBytes(of: table.tensorIndex, limit: limits.maxTensorIndexLength)
        let records = try TensorIndex.parse(indexRaw, sections: table.entries, limits: limits)
        let metadata = try ModelMetadata.parse(metadataRaw)
        try ShapeContract(metadata.architecture).check(records.map { ($0.name, $0.dims) })
        return CheckedModel(metadata: metadata, records: records, sections: table.entries)
    }
}
