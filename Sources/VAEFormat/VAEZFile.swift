/// A `.vaez` file that passed every check of Formats/vaez.md section 11, with its tensors dequantised.
public struct VAEZFile: Sendable {
    /// The format version of a file: any 1.x is read.
    public struct Version: Sendable, Hashable, CustomStringConvertible {
        public var major: UInt16
        public var minor: UInt16

        public var description: String { "\(major).\(minor)" }
    }

    /// One tensor as read: float32 values (row-major) and the dtype they were stored in.
    public struct Tensor: Sendable, Hashable {
        public var name: String
        public var shape: [Int]
        /// How the file stored the values; `values` are always the dequantised float32.
        public var dtype: TensorDType
        public var values: [Float]
        /// The table entry of the tensor's data section (codec, lengths, offset).
        public var section: SectionEntry

        /// The name, shape and values, for handing to the writer or a network.
        public var named: NamedTensor { NamedTensor(name: name, shape: shape, values: values) }
    }

    public var version: Version
    /// Hint bits an older reader may ignore.
    public var optionalFeatures: UInt64
    public var metadata: ModelMetadata
    /// In the order of the file's tensor index.
    public var tensors: [Tensor]
    /// Every section table entry, in table order (unknown optional kinds included).
    public var sections: [SectionEntry]
    /// The file's size in bytes.
    public var fileSize: Int
    /// Lowercase hex SHA-256 of everything before the footer: the digest stored in the footer, the model's content
    /// address.
    public var contentSHA256: String
    /// Lowercase hex SHA-256 of the whole file, footer included (what `sha256sum` prints).
    public var fileSHA256: String

    /// The dtype the weights are stored in (an int8 file keeps its 1-D biases in f32, so biases do not count).
    public var weightDType: TensorDType {
        tensors.first { $0.shape.count > 1 }?.dtype ?? .f32
    }

    /// The tensor called `name`, if the file has one.
    public func tensor(named name: String) -> Tensor? {
        tensors.first { $0.name.utf8.elementsEqual(name.utf8) }
    }
}

/// A named tensor of float32 values, row-major: what the writer takes and a network gives.
public struct NamedTensor: Sendable, Hashable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}
