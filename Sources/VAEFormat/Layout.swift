// Stored integers and floats are little-endian and the reader copies them as they lie; every platform Swift
// supports today is little-endian, so rather than byte-swap everywhere, refuse to build elsewhere.
#if _endian(big)
    #error("VAEFormat assumes a little-endian host")
#endif

/// Fixed numbers of the container (Formats/vaez.md sections 2–4 and 9).
enum Layout {
    static let magic: [UInt8] = [0x89, 0x56, 0x41, 0x45, 0x5A, 0x0D, 0x0A, 0x1A]
    static let endMagic: [UInt8] = Array("ENDVAEZ\n".utf8)
    static let versionMajor: UInt16 = 1
    /// The minor version a writer writes (section 13): the lowest whose additions the file uses, so a model
    /// without a data description is byte for byte a 1.0 file.
    static func versionMinor(for metadata: ModelMetadata) -> UInt16 { metadata.data == nil ? 0 : 1 }
    static let preambleSize = 64
    static let entrySize = 64
    static let footerSize = 40
    static let alignment = 64
    /// Preamble bytes `[0, 60)` are covered by header_checksum; the checksum itself sits at 60.
    static let headerChecksumSpan = 60
    static let reservedPreamble = 44..<60
    static let zstdFrameMagic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]
    static let zstdLevel: Int32 = 19

    /// `n` rounded up to a multiple of 64. Callers pass sizes far below `Int.max`, so this cannot overflow.
    static func align64(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }
}
