
/// The writer's policy for one section (Formats/vaez.md section 13): shuffle and zstd when that saves at least 5%,
/// otherwise stored raw, unfiltered.
struct EncodedSection {
    var kind: SectionEntry.Kind
    var stored: [UInt8]
    var rawLength: Int
    var codec: UInt8 = SectionEntry.codecNone
    var filter: UInt8 = SectionEntry.filterNone
    var elementSize: UInt8 = 0

    /// Encodes `raw`; `shuffleWidth` is the element size for float tensors and 0 for everything else.
    init(kind: SectionEntry.Kind, raw: [UInt8], shuffleWidth: Int = 0) {
        self.kind = kind
        rawLength = raw.count
        let frame = raw.withUnsafeBytes { bytes in
            shuffleWidth > 1
                ? ByteShuffle.shuffle(bytes, width: shuffleWidth).withUnsafeBytes { Zstd.compress($0) }
                : Zstd.compress(bytes)
        }
        // Keep zstd only when it saves at least 5%: small or random sections are not worth a decoder call.
        if 20 * frame.count <= 19 * raw.count {
            stored = frame
            codec = SectionEntry.codecZstd
            if shuffleWidth > 0 {
                filter = SectionEntry.filterShuffle
                elementSize = UInt8(shuffleWidth)
            }
        } else {
            stored = raw
        }
    }

    /// The table entry for this section at `offset`.
    func entry(id: UInt32, offset: Int) -> SectionEntry {
        SectionEntry(
            id: id, kind: kind, flags: SectionEntry.flagRequired, codec: codec, filter: filter,
            elementSize: elementSize, checksum: CRC32.checksum(stored), offset: UInt64(offset),
            storedLength: UInt64(stored.count), rawLength: UInt64(rawLength))
    }
}

/// Lays encoded sections out canonically and seals the file (Formats/vaez.md sections 2, 3, 9 and 13).
enum FileAssembler {
    /// Sections at successive 64-byte boundaries after the table, ids 1, 2, 3, … in order, zero padding, then the
    /// footer: SHA-256 of everything before it and the end magic.
    static func assemble(_ sections: [EncodedSection], versionMinor: UInt16) -> [UInt8] {
        let headerLength = Layout.entrySize * sections.count
        var offset = Layout.align64(Layout.preambleSize + headerLength)
        var table: [UInt8] = []
        var offsets: [Int] = []
        for (i, section) in sections.enumerated() {
            section.entry(id: UInt32(i + 1), offset: offset).append(to: &table)
            offsets.append(offset)
            offset = Layout.align64(offset + section.stored.count)
        }
        let footer = offset
        var body = [UInt8](repeating: 0, count: footer)
        var preamble = Preamble(
            sectionCount: UInt32(sections.count), fileLength: UInt64(footer + Layout.footerSize),
            versionMinor: versionMinor)
        body.replaceSubrange(Layout.preambleSize..<(Layout.preambleSize + headerLength), with: table)
        for (section, at) in zip(sections, offsets) {
            body.replaceSubrange(at..<(at + section.stored.count), with: section.stored)
        }
        let unsealed = preamble.bytes
        var crc = CRC32.checksum(Array(unsealed[..<Layout.headerChecksumSpan]))
        crc = table.withUnsafeBytes { CRC32.checksum($0, continuing: crc) }
        preamble.headerChecksum = crc
        body.replaceSubrange(0..<Layout.preambleSize, with: preamble.bytes)
        return seal(body)
    }

    /// `body` followed by its SHA-256 and the end magic.
    static func seal(_ body: [UInt8]) -> [UInt8] {
        var file = body
        file.reserveCapacity(body.count + Layout.footerSize)
        file.append(contentsOf: SHA256Digest.of(body))
        file.append(contentsOf: Layout.endMagic)
        return file
    }
}
