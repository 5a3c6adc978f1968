/// One 64-byte section table entry (Formats/vaez.md section 4), as stored.
///
/// Fields keep their stored widths so the reader can check them without conversion; the reserved bytes are checked
/// while parsing and not kept.
public struct SectionEntry: Sendable, Hashable {
    /// What a section holds.
    public enum Kind: Sendable, Hashable {
        case metadata
        case tensorIndex
        case tensorData
        /// A kind this reader does not know; skipped unless flagged required.
        case unknown(UInt16)

        public init(code: UInt16) {
            switch code {
            case 1: self = .metadata
            case 2: self = .tensorIndex
            case 3: self = .tensorData
            default: self = .unknown(code)
            }
        }

        public var code: UInt16 {
            switch self {
            case .metadata: 1
            case .tensorIndex: 2
            case .tensorData: 3
            case .unknown(let code): code
            }
        }

        /// The spec's name, used in messages.
        public var name: String {
            switch self {
            case .metadata: "metadata"
            case .tensorIndex: "tensor_index"
            case .tensorData: "tensor_data"
            case .unknown(let code): "unknown(\(code))"
            }
        }
    }

    /// Codec 0: stored as is.
    public static let codecNone: UInt8 = 0
    /// Codec 1: one zstd frame.
    public static let codecZstd: UInt8 = 1
    /// Filter 0: none.
    public static let filterNone: UInt8 = 0
    /// Filter 1: byte shuffle with width `elementSize`.
    public static let filterShuffle: UInt8 = 1
    /// Flag bit 0: a reader that does not know this kind must refuse the file.
    public static let flagRequired: UInt16 = 1

    public var id: UInt32
    public var kind: Kind
    public var flags: UInt16
    public var codec: UInt8
    public var filter: UInt8
    public var elementSize: UInt8
    /// CRC-32 of the stored bytes.
    public var checksum: UInt32
    public var offset: UInt64
    public var storedLength: UInt64
    public var rawLength: UInt64

    public init(
        id: UInt32, kind: Kind, flags: UInt16 = SectionEntry.flagRequired, codec: UInt8 = SectionEntry.codecNone,
        filter: UInt8 = SectionEntry.filterNone, elementSize: UInt8 = 0, checksum: UInt32, offset: UInt64,
        storedLength: UInt64, rawLength: UInt64
    ) {
        self.id = id
        self.kind = kind
        self.flags = flags
        self.codec = codec
        self.filter = filter
        self.elementSize = elementSize
        self.checksum = checksum
        self.offset = offset
        self.storedLength = storedLength
        self.rawLength = rawLength
    }

    /// True when the required flag is set.
    public var isRequired: Bool { flags & SectionEntry.flagRequired != 0 }

    /// `offset + storedLength`, or nil when the sum does not fit in 64 bits (which no valid file has).
    public var end: UInt64? {
        let (sum, overflow) = offset.addingReportingOverflow(storedLength)
        return overflow ? nil : sum
    }

    /// The codec's name as the reference tool prints it.
    public var codecName: String { codec == SectionEntry.codecZstd ? "zstd" : codec == 0 ? "none" : "unknown" }

    /// Appends the 64-byte little-endian form (reserved bytes zero).
    func append(to bytes: inout [UInt8]) {
        bytes.appendLittleEndian(id)
        bytes.appendLittleEndian(kind.code)
        bytes.appendLittleEndian(flags)
        bytes.append(contentsOf: [codec, filter, elementSize, 0])
        bytes.appendLittleEndian(checksum)
        bytes.appendLittleEndian(offset)
        bytes.appendLittleEndian(storedLength)
        bytes.appendLittleEndian(rawLength)
        bytes.append(contentsOf: repeatElement(0, count: 24))
    }
}
