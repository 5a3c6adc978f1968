/// Reader limits (Formats/vaez.md section 10): each bounds parsing, decompression or allocation before that work.
///
/// The defaults are the spec's; a caller that trusts its files may raise them, a server taking uploads may lower them.
public struct VAEZLimits: Sendable, Hashable, Codable {
    /// Largest section table, in bytes (`header_too_large`).
    public var maxHeaderLength: UInt64
    /// Largest metadata section after decompression (`limit_exceeded`).
    public var maxMetadataLength: UInt64
    /// Largest tensor index section after decompression (`limit_exceeded`).
    public var maxTensorIndexLength: UInt64
    /// Most tensors in the index (`too_many_tensors`).
    public var maxTensors: UInt64
    /// Largest sum of all tensor sections' raw lengths (`limit_exceeded`).
    public var maxTensorBytes: UInt64

    /// The spec's defaults: 1 MiB header, metadata and index; 256 tensors; 1 GiB of tensor data.
    public init(
        maxHeaderLength: UInt64 = 1 << 20, maxMetadataLength: UInt64 = 1 << 20,
        maxTensorIndexLength: UInt64 = 1 << 20, maxTensors: UInt64 = 256, maxTensorBytes: UInt64 = 1 << 30
    ) {
        self.maxHeaderLength = maxHeaderLength
        self.maxMetadataLength = maxMetadataLength
        self.maxTensorIndexLength = maxTensorIndexLength
        self.maxTensors = maxTensors
        self.maxTensorBytes = maxTensorBytes
    }

    /// The spec's default limits.
    public static let `default` = VAEZLimits()
}
