/// The 64-byte preamble at offset 0 (Formats/vaez.md section 3), fields as stored.
struct Preamble {
    var versionMajor: UInt16
    var versionMinor: UInt16
    var sectionCount: UInt32
    var requiredFeatures: UInt64
    var optionalFeatures: UInt64
    var fileLength: UInt64
    var headerLength: UInt32
    var headerChecksum: UInt32

    /// Reads the fields; the caller has checked that at least 64 bytes exist.
    init(_ bytes: UnsafeRawBufferPointer) {
        versionMajor = bytes.littleEndian(at: 8)
        versionMinor = bytes.littleEndian(at: 10)
        sectionCount = bytes.littleEndian(at: 12)
        requiredFeatures = bytes.littleEndian(at: 16)
        optionalFeatures = bytes.littleEndian(at: 24)
        fileLength = bytes.littleEndian(at: 32)
        headerLength = bytes.littleEndian(at: 40)
        headerChecksum = bytes.littleEndian(at: 60)
    }

    init(sectionCount: UInt32, fileLength: UInt64, versionMinor: UInt16) {
        versionMajor = Layout.versionMajor
        self.versionMinor = versionMinor
        self.sectionCount = sectionCount
        requiredFeatures = 0
        optionalFeatures = 0
        self.fileLength = fileLength
        headerLength = sectionCount * UInt32(Layout.entrySize)
        headerChecksum = 0
    }

    /// The 64 stored bytes, header_checksum as currently set.
    var bytes: [UInt8] {
        var out = Layout.magic
        out.reserveCapacity(Layout.preambleSize)
        out.appendLittleEndian(versionMajor)
        out.appendLittleEndian(versionMinor)
        out.appendLittleEndian(sectionCount)
        out.appendLittleEndian(requiredFeatures)
        out.appendLittleEndian(optionalFeatures)
        out.appendLittleEndian(fileLength)
        out.appendLittleEndian(headerLength)
        out.append(contentsOf: repeatElement(0, count: Layout.reservedPreamble.count))
        out.appendLittleEndian(headerChecksum)
        return out
    }
}
