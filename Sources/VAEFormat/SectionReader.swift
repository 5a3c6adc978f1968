
/// Step 13 of Formats/vaez.md (section 11.3): a section's stored bytes to its raw bytes, in the spec's order:
/// CRC, length or frame header, limit, decompression, shuffle length and unshuffle.
///
/// The limit is checked before anything is allocated or decompressed, against the frame header's size, which 13b
/// has already pinned to `raw_length`.
struct SectionReader {
    /// The whole file.
    let file: UnsafeRawBufferPointer

    /// 2^48 bytes: beyond any machine's memory, and far below where `Int` arithmetic could overflow.
    private let maximumAllocation: UInt64 = 1 << 48

    /// A section's bytes after decompression: raw bytes when `shuffleWidth` is 1, else still byte-shuffled.
    ///
    /// Unshuffling is left to the consumer so float tensors can unshuffle straight into their final array.
    struct Decoded {
        let bytes: UnsafeRawBufferPointer
        let shuffleWidth: Int

        /// The raw (unshuffled) bytes as an array.
        func rawArray() -> [UInt8] {
            guard shuffleWidth > 1 else { return Array(bytes) }
            return [UInt8](unsafeUninitializedCapacity: bytes.count) { out, count in
                ByteShuffle.unshuffle(bytes, width: shuffleWidth, into: UnsafeMutableRawBufferPointer(out))
                count = bytes.count
            }
        }
    }

    /// Runs all of step 13 on a section, then `body` on its decoded bytes.
    ///
    /// Uncompressed sections are handed over in place, without a copy; a zstd section is decoded into a temporary
    /// buffer that lives for the duration of `body`.
    func withDecodedBytes<R>(
        of entry: SectionEntry, limit: UInt64, _ body: (Decoded) throws(VAEZError) -> R
    ) throws(VAEZError) -> R {
        let stored = try checkedStoredBytes(of: entry, limit: limit)
        let width = entry.filter == SectionEntry.filterShuffle ? Int(entry.elementSize) : 1
        guard entry.codec == SectionEntry.codecZstd else {
            try checkShuffleLength(entry, width: width)
            return try body(Decoded(bytes: stored, shuffleWidth: width))
        }
        // Only reachable with limits raised past what memory can hold; the default limits bound this to 1 GiB.
        guard entry.rawLength <= maximumAllocation else {
            throw VAEZError(
                .decompressionFailed, "\(subject(entry)): raw_length \(entry.rawLength) cannot be allocated")
        }
        let decoded = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(entry.rawLength), alignment: 64)
        defer { decoded.deallocate() }
        if let reason = Zstd.decompress(stored, into: decoded) {
            throw VAEZError(.decompressionFailed, "\(subject(entry)): \(reason)")
        }
        try checkShuffleLength(entry, width: width)
        return try body(Decoded(bytes: UnsafeRawBufferPointer(decoded), shuffleWidth: width))
    }

    /// The raw bytes as an array (metadata and tensor index, both small).
    func rawBytes(of entry: SectionEntry, limit: UInt64) throws(VAEZError) -> [UInt8] {
        try withDecodedBytes(of: entry, limit: limit) { $0.rawArray() }
    }

    /// 13e: shuffled bytes come in whole elements.
    private func checkShuffleLength(_ entry: SectionEntry, width: Int) throws(VAEZError) {
        guard entry.rawLength % UInt64(width) == 0 else {
            throw VAEZError(
                .sectionLengthMismatch,
                "\(subject(entry)): raw_length \(entry.rawLength) is not a multiple of the shuffle width \(width)")
        }
    }

    /// 13a–13c: CRC of the stored bytes, stored/raw length or frame header, and the limit on raw_length.
    private func checkedStoredBytes(of entry: SectionEntry, limit: UInt64) throws(VAEZError) -> UnsafeRawBufferPointer {
        // The table check (step 11) has already put [offset, end) inside the file.
        let start = Int(entry.offset)
        let stored = UnsafeRawBufferPointer(rebasing: file[start..<(start + Int(entry.storedLength))])
        let crc = CRC32.checksum(stored)
        guard crc == entry.checksum else {
            throw VAEZError(
                .sectionChecksumMismatch,
                "\(subject(entry)): CRC-32 of the stored bytes is \(hex8(crc)), the table says \(hex8(entry.checksum))")
        }
        if entry.codec == SectionEntry.codecNone {
            guard entry.storedLength == entry.rawLength else {
                throw VAEZError(
                    .sectionLengthMismatch,
                    "\(subject(entry)): stored_length \(entry.storedLength) != raw_length \(entry.rawLength) "
                        + "without a codec"
                )
            }
        } else {
            try checkFrameHeader(stored, entry)
        }
        guard entry.rawLength <= limit else {
            throw VAEZError(.limitExceeded, "\(subject(entry)): raw_length \(entry.rawLength) > limit \(limit)")
        }
        return stored
    }

    /// 13b for zstd: the frame magic, a readable header, and a content size equal to raw_length.
    private func checkFrameHeader(_ stored: UnsafeRawBufferPointer, _ entry: SectionEntry) throws(VAEZError) {
        guard stored.count >= 4, stored.prefix(4).elementsEqual(Layout.zstdFrameMagic) else {
            throw VAEZError(.frameContentSizeMismatch, "\(subject(entry)): stored bytes do not start with a zstd frame")
        }
        switch Zstd.contentSize(of: stored) {
        case .unreadable:
            throw VAEZError(.frameContentSizeMismatch, "\(subject(entry)): unreadable zstd frame header")
        case .absent:
            throw VAEZError(.frameContentSizeMismatch, "\(subject(entry)): zstd frame header has no content size")
        case .known(let size) where size != entry.rawLength:
            throw VAEZError(
                .frameContentSizeMismatch,
                "\(subject(entry)): frame content size \(size) != raw_length \(entry.rawLength)")
        case .known:
            break
        }
    }

    private func subject(_ entry: SectionEntry) -> String { "section id \(entry.id) (\(entry.kind.name))" }
}

/// `0x`-prefixed, 8 hex digits: how checksums appear in messages.
func hex8(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
