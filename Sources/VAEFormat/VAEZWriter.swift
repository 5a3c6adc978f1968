import VAEFiles

/// Writes canonical `.vaez` files (Formats/vaez.md section 13): the same model, dtype and `created` give the same
/// bytes, and the writer never produces a file its reader refuses.
public enum VAEZWriter {
    /// Inputs that cannot be encoded at all (as opposed to a model that breaks a format rule).
    public enum InputError: Error, Sendable, Hashable, CustomStringConvertible {
        /// int8 has no code for NaN or ±inf.
        case nonFiniteValue(tensor: String, index: Int)
        /// A tensor's value count is not the product of its shape.
        case valueCountMismatch(tensor: String, shape: [Int], count: Int)
        /// `SOURCE_DATE_EPOCH` is set but is not a Unix time in years 0001–9999.
        case invalidSourceDateEpoch(String)

        public var description: String {
            switch self {
            case .nonFiniteValue(let tensor, let index):
                "tensor \(tensor): value #\(index) is NaN or infinite, which int8 cannot store"
            case .valueCountMismatch(let tensor, let shape, let count):
                "tensor \(tensor): shape \(shape) needs \(shape.reduce(1, *)) values, got \(count)"
            case .invalidSourceDateEpoch(let text):
                "SOURCE_DATE_EPOCH=\(text) is not a valid Unix time"
            }
        }
    }

    /// The bytes of a `.vaez` file for a model.
    ///
    /// - Parameters:
    ///   - metadata: the model's metadata; unknown keys in `metadata.document` are kept.
    ///   - tensors: the model's tensors, in any order (they are written in contract order).
    ///   - dtype: f32, f16 and bf16 apply to every tensor; int8 to tensors of rank 2 and more, 1-D ones stay f32.
    ///   - created: the `created` time to record; nil takes `SOURCE_DATE_EPOCH` when set, else `metadata.created`
    ///     when not empty, else the current time.
    /// - Throws: `VAEZError` (`metadata_invalid`, `shape_contract`, `duplicate_tensor_name`) when the model breaks
    ///   a rule the reader checks; `VAEZWriter.InputError` for values that cannot be encoded.
    public static func serialize(
        metadata: ModelMetadata, tensors: [NamedTensor], dtype: TensorDType = .f32, created: String? = nil
    ) throws -> [UInt8] {
        try serialize(
            metadata: metadata, tensors: tensors, dtype: dtype, created: created,
            sourceDateEpoch: CreatedTime.environmentSourceDateEpoch())
    }

    /// `serialize` with the value of `SOURCE_DATE_EPOCH` given (nil: unset) instead of read from the process
    /// environment, so tests check the precedence without changing an environment other threads read.
    static func serialize(
        metadata: ModelMetadata, tensors: [NamedTensor], dtype: TensorDType = .f32, created: String?,
        sourceDateEpoch: String?
    ) throws -> [UInt8] {
        let metadataRaw = try encodeMetadata(metadata, created: created, sourceDateEpoch: sourceDateEpoch)
        let checked = try ModelMetadata.parse(metadataRaw)  // the reader's own rules
        let architecture = checked.architecture
        let contract = ShapeContract(architecture)
        let byName = try checkTensors(tensors, against: contract)
        var sections = [EncodedSection(kind: .metadata, raw: metadataRaw)]
        var index: [(name: String, dtype: TensorDType, dims: [Int], sectionID: UInt32)] = []
        // Contract order, so the caller's order does not change the bytes.
        for position in 0..<contract.count {
            let tensor = byName[contract.tensor(at: position).name]!
            let stored: TensorDType = dtype == .int8 && tensor.shape.count == 1 ? .f32 : dtype
            let raw = try Quantise.rawBytes(tensor.values, dtype: stored, rows: tensor.shape[0], name: tensor.name)
            sections.append(EncodedSection(kind: .tensorData, raw: raw, shuffleWidth: stored.elementSize ?? 0))
            index.append((tensor.name, stored, tensor.shape, UInt32(position + 3)))
        }
        sections.insert(EncodedSection(kind: .tensorIndex, raw: TensorIndex.pack(index)), at: 1)
        return FileAssembler.assemble(sections, versionMinor: Layout.versionMinor(for: checked))
    }

    /// Serializes and writes atomically: a temporary file beside `path`, fsync, rename over `path`.
    ///
    /// - Throws: as `serialize`, and `DataError` when the file cannot be written.
    public static func write(
        metadata: ModelMetadata, tensors: [NamedTensor], dtype: TensorDType = .f32, created: String? = nil,
        to path: String
    ) throws {
        let bytes = try serialize(metadata: metadata, tensors: tensors, dtype: dtype, created: created)
        try Files.writeAtomically(bytes, to: path)
    }

    /// Canonical metadata JSON with `created` resolved (explicit, `SOURCE_DATE_EPOCH`, the metadata's own, now).
    static func encodeMetadata(
        _ metadata: ModelMetadata, created explicit: String?,
        sourceDateEpoch: String? = CreatedTime.environmentSourceDateEpoch()
    ) throws -> [UInt8] {
        let created: String
        if let explicit {
            created = explicit
        } else if let epoch = CreatedTime.sourceDateEpoch(sourceDateEpoch) {
            created = try epoch.get()
        } else {
            created = metadata.created.isEmpty ? CreatedTime.now() : metadata.created
        }
        return CanonicalJSON.encode(try metadata.jsonDocument(created: created))
    }

    /// Unique names, the shape contract (the reader's check, in the caller's order), and value counts.
    private static func checkTensors(
        _ tensors: [NamedTensor], against contract: ShapeContract
    ) throws -> [String: NamedTensor] {
        var byName: [String: NamedTensor] = [:]
        var seen = Set<[UInt8]>()
        for tensor in tensors {
            guard seen.insert(Array(tensor.name.utf8)).inserted else {
                throw VAEZError(.duplicateTensorName, "tensor \(tensor.name) is given twice")
            }
            guard tensor.shape.allSatisfy({ $0 >= 0 }) else {
                throw VAEZError(.shapeContract, "\(tensor.name): shape \(tensor.shape) has a negative dimension")
            }
            byName[tensor.name] = tensor
        }
        try contract.check(tensors.map { ($0.name, $0.shape.map { UInt64($0) }) })
        for tensor in tensors where tensor.values.count != tensor.shape.reduce(1, *) {
            throw InputError.valueCountMismatch(tensor: tensor.name, shape: tensor.shape, count: tensor.values.count)
        }
        return byName
    }
}
