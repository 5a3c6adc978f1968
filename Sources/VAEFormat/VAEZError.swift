/// Why a `.vaez` file (or a model handed to the writer) was refused: the spec's rule name and a message.
///
/// The rule names are part of the format (Formats/vaez.md, section 11.5): every conforming reader refuses the same
/// file with the same rule, so tools and tests compare `rule`, never `message`.
public struct VAEZError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The 37 rules of Formats/vaez.md section 11.5, in check order; the raw values are the spec's names.
    public enum Rule: String, Sendable, Hashable, CaseIterable, Codable {
        case tooShort = "too_short"
        case badMagic = "bad_magic"
        case unsupportedVersion = "unsupported_version"
        case unknownRequiredFeature = "unknown_required_feature"
        case fileLengthMismatch = "file_length_mismatch"
        case badEndMagic = "bad_end_magic"
        case sha256Mismatch = "sha256_mismatch"
        case reservedNonzero = "reserved_nonzero"
        case headerInvalid = "header_invalid"
        case headerTooLarge = "header_too_large"
        case headerChecksumMismatch = "header_checksum_mismatch"
        case unknownCodec = "unknown_codec"
        case unknownFilter = "unknown_filter"
        case sectionMisaligned = "section_misaligned"
        case sectionOutOfBounds = "section_out_of_bounds"
        case sectionOverlap = "section_overlap"
        case duplicateSectionID = "duplicate_section_id"
        case nonzeroPadding = "nonzero_padding"
        case unknownRequiredSection = "unknown_required_section"
        case missingSection = "missing_section"
        case duplicateSection = "duplicate_section"
        case sectionChecksumMismatch = "section_checksum_mismatch"
        case sectionLengthMismatch = "section_length_mismatch"
        case frameContentSizeMismatch = "frame_content_size_mismatch"
        case decompressionFailed = "decompression_failed"
        case limitExceeded = "limit_exceeded"
        case tensorIndexInvalid = "tensor_index_invalid"
        case tooManyTensors = "too_many_tensors"
        case badTensorName = "bad_tensor_name"
        case duplicateTensorName = "duplicate_tensor_name"
        case unknownDType = "unknown_dtype"
        case badRank = "bad_rank"
        case badDims = "bad_dims"
        case unknownSectionRef = "unknown_section_ref"
        case tensorSizeMismatch = "tensor_size_mismatch"
        case metadataInvalid = "metadata_invalid"
        case shapeContract = "shape_contract"
    }

    /// The first rule the file breaks.
    public let rule: Rule
    /// One sentence naming the subject (section, tensor or key) and what was expected versus found.
    public let message: String

    public init(_ rule: Rule, _ message: String) {
        self.rule = rule
        self.message = message
    }

    /// `"rule: message"`, the same shape as the reference tool's `verify` output.
    public var description: String { "\(rule.rawValue): \(message)" }
}
