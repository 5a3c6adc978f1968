
/// Steps 9–12 of Formats/vaez.md (section 11.2): the table header, its checksum, every entry, the padding, unknown
/// required kinds, and the two core sections.
enum SectionTableCheck {
    /// The table's entries in table order, and the two core sections.
    struct Table {
        var entries: [SectionEntry]
        var metadata: SectionEntry
        var tensorIndex: SectionEntry
    }

    static func check(
        _ file: UnsafeRawBufferPointer, _ preamble: Preamble, limits: VAEZLimits
    ) throws(VAEZError) -> Table {
        let tableEnd = try checkHeader(file, preamble, limits: limits)
        let footer = file.count - Layout.footerSize
        var entries: [SectionEntry] = []
        entries.reserveCapacity(Int(preamble.sectionCount))
        var seenIDs = Set<UInt32>()
        var previousEnd = UInt64(tableEnd)
        for i in 0..<Int(preamble.sectionCount) {
            let entry = try checkEntry(
                file, index: i, tableEnd: tableEnd, footer: footer, previousEnd: previousEnd,
                seenIDs: seenIDs)
            seenIDs.insert(entry.id)
            previousEnd = entry.end!  // checkEntry has shown the sum fits before the footer
            entries.append(entry)
        }
        try checkPadding(file, entries, tableEnd: tableEnd, footer: footer)
        for (i, entry) in entries.enumerated() {
            if case .unknown(let code) = entry.kind, entry.isRequired {
                throw VAEZError(
                    .unknownRequiredSection,
                    "section #\(i) (id \(entry.id)) has unknown kind \(code) and is flagged required")
            }
        }
        let metadata = try onlySection(of: .metadata, in: entries)
        let tensorIndex = try onlySection(of: .tensorIndex, in: entries)
        return Table(entries: entries, metadata: metadata, tensorIndex: tensorIndex)
    }

    /// Steps 9–10; returns `table_end`.
    private static func checkHeader(
        _ file: UnsafeRawBufferPointer, _ preamble: Preamble, limits: VAEZLimits
    ) throws(VAEZError) -> Int {
        let headerLength = UInt64(preamble.headerLength)
        // Both fields are 32-bit, so the product fits in 64 bits.
        guard headerLength == UInt64(Layout.entrySize) * UInt64(preamble.sectionCount) else {
            throw VAEZError(
                .headerInvalid,
                "header_length \(headerLength) != 64 × section_count \(preamble.sectionCount)")
        }
        // Before the fit below, so an oversized table is refused by the limit, never touched.
        guard headerLength <= limits.maxHeaderLength else {
            throw VAEZError(.headerTooLarge, "header_length \(headerLength) > limit \(limits.maxHeaderLength)")
        }
        let tableEnd = Layout.preambleSize + Int(headerLength)
        guard tableEnd <= file.count - Layout.footerSize else {
            throw VAEZError(.headerInvalid, "a \(headerLength)-byte section table does not fit before the footer")
        }
        var crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: file[..<Layout.headerChecksumSpan]))
        crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: file[Layout.preambleSize..<tableEnd]), continuing: crc)
        guard crc == preamble.headerChecksum else {
            throw VAEZError(
                .headerChecksumMismatch,
                "CRC-32 of the preamble and section table is \(hex8(crc)), "
                    + "header_checksum says \(hex8(preamble.headerChecksum))"
            )
        }
        return tableEnd
    }

    /// Step 11a–11g for entry `index`, all before the next entry.
    private static func checkEntry(
        _ file: UnsafeRawBufferPointer, index: Int, tableEnd: Int, footer: Int, previousEnd: UInt64,
        seenIDs: Set<UInt32>
    ) throws(VAEZError) -> SectionEntry {
        let at = Layout.preambleSize + index * Layout.entrySize
        let entry = SectionEntry(
            id: file.littleEndian(at: at), kind: SectionEntry.Kind(code: file.littleEndian(at: at + 4)),
            flags: file.littleEndian(at: at + 6), codec: file[at + 8], filter: file[at + 9], elementSize: file[at + 10],
            checksum: file.littleEndian(at: at + 12), offset: file.littleEndian(at: at + 16),
            storedLength: file.littleEndian(at: at + 24), rawLength: file.littleEndian(at: at + 32))
        let subject = "section #\(index) (id \(entry.id))"
        let unknownFlags = entry.flags & ~SectionEntry.flagRequired
        guard file[at + 11] == 0, file.isZero((at + 40)..<(at + 64)), unknownFlags == 0 else {
            throw VAEZError(
                .reservedNonzero,
                "\(subject): reserved bytes or unknown flag bits are set (flags 0x\(String(entry.flags, radix: 16)))")
        }
        guard entry.codec == SectionEntry.codecNone || entry.codec == SectionEntry.codecZstd else {
            throw VAEZError(.unknownCodec, "\(subject): codec \(entry.codec) is neither 0 (none) nor 1 (zstd)")
        }
        try checkFilter(entry, subject)
        guard entry.offset % UInt64(Layout.alignment) == 0 else {
            throw VAEZError(.sectionMisaligned, "\(subject): offset \(entry.offset) is not a multiple of 64")
        }
        guard entry.offset >= UInt64(tableEnd), let end = entry.end, end <= UInt64(footer) else {
            let end = entry.end.map(String.init) ?? "beyond 2^64"
            throw VAEZError(
                .sectionOutOfBounds,
                "\(subject): bytes [\(entry.offset), \(end)) are outside [\(tableEnd), \(footer))")
        }
        guard entry.offset >= previousEnd else {
            throw VAEZError(
                .sectionOverlap,
                "\(subject): offset \(entry.offset) is before the end \(previousEnd) of the previous entry")
        }
        guard !seenIDs.contains(entry.id) else {
            throw VAEZError(.duplicateSectionID, "\(subject): id \(entry.id) is already used by an earlier entry")
        }
        return entry
    }

    /// Step 11c.
    private static func checkFilter(_ entry: SectionEntry, _ subject: String) throws(VAEZError) {
        switch entry.filter {
        case SectionEntry.filterNone where entry.elementSize != 0:
            throw VAEZError(
                .unknownFilter, "\(subject): element_size \(entry.elementSize) without a filter (must be 0)")
        case SectionEntry.filterShuffle where ![1, 2, 4].contains(entry.elementSize):
            throw VAEZError(.unknownFilter, "\(subject): byte_shuffle width \(entry.elementSize) is not 1, 2 or 4")
        case SectionEntry.filterNone, SectionEntry.filterShuffle:
            break
        default:
            throw VAEZError(
                .unknownFilter, "\(subject): filter \(entry.filter) is neither 0 (none) nor 1 (byte_shuffle)")
        }
    }

    /// Step 11h: every byte between the table, the sections and the footer is zero.
    private static func checkPadding(
        _ file: UnsafeRawBufferPointer, _ entries: [SectionEntry], tableEnd: Int, footer: Int
    ) throws(VAEZError) {
        var cursor = tableEnd
        for entry in entries {
            try requireZero(file, cursor..<Int(entry.offset))
            cursor = Int(entry.end!)
        }
        try requireZero(file, cursor..<footer)
    }

    private static func requireZero(_ file: UnsafeRawBufferPointer, _ range: Range<Int>) throws(VAEZError) {
        if let offset = file.firstNonzero(in: range) {
            throw VAEZError(.nonzeroPadding, "padding byte at offset \(offset) is \(hexBytes([file[offset]])), not 0")
        }
    }

    /// Step 12 for one core kind.
    private static func onlySection(
        of kind: SectionEntry.Kind, in entries: [SectionEntry]
    ) throws(VAEZError) -> SectionEntry {
        let matches = entries.filter { $0.kind == kind }
        guard let first = matches.first else {
            throw VAEZError(.missingSection, "the file has no \(kind.name) section")
        }
        guard matches.count == 1 else {
            throw VAEZError(
                .duplicateSection,
                "the file has \(matches.count) \(kind.name) sections (ids \(matches.map(\.id)))")
        }
        return first
    }
}
