import VAEFiles
/// An IDX array of unsigned bytes (the MNIST file format): big-endian dimensions, then the values row-major.
package struct IDXArray: Sendable, Equatable {
    package var dimensions: [Int]
    package var values: [UInt8]

    package init(dimensions: [Int], values: [UInt8]) {
        self.dimensions = dimensions
        self.values = values
    }

    /// Parses IDX bytes (already decompressed).
    ///
    /// - Throws: `DataError` naming `source` and the rule broken: wrong magic, unsupported element type,
    ///   truncated header or data, or dimensions that disagree with the byte count.
    package init(parsing bytes: [UInt8], source: String) throws(DataError) {
        guard bytes.count >= 4 else {
            throw DataError(.truncated, "\(source): too short for an IDX header (\(bytes.count) bytes)")
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw DataError(.badMagic, "\(source): not an IDX file (magic bytes are \(hex(bytes[0])) \(hex(bytes[1])), expected 00 00)")
        }
        guard bytes[2] == 0x08 else {
            throw DataError(.unsupported, "\(source): IDX element type \(hex(bytes[2])) is not supported (only 08, unsigned byte)")
        }
        let rank = Int(bytes[3])
        guard (1...4).contains(rank) else {
            throw DataError(.unsupported, "\(source): IDX rank \(rank) is not supported (1 to 4)")
        }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw DataError(.truncated, "\(source): IDX header truncated (\(bytes.count) of \(headerSize) bytes)")
        }
        var dimensions: [Int] = []
        var expected = 1
        for d in 0..<rank {
            let o = 4 + 4 * d
            let size = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
            dimensions.append(size)
            // Each size is below 2^32 and there are at most 4, so check for overflow as we go.
            let (product, overflow) = expected.multipliedReportingOverflow(by: size)
            guard !overflow else { throw DataError(.sizeMismatch, "\(source): IDX dimensions \(dimensions) overflow") }
            expected = product
        }
        let available = bytes.count - headerSize
        if available < expected {
            throw DataError(.truncated, "\(source): truncated: dimensions \(dimensions) need \(expected) data bytes, file has \(available)")
        }
        if available > expected {
            throw DataError(.sizeMismatch, "\(source): dimensions \(dimensions) need \(expected) data bytes, file has \(available) (\(available - expected) extra)")
        }
        self.dimensions = dimensions
        self.values = Array(bytes[headerSize...])
    }

    /// The IDX encoding of this array.
    package func serialized() -> [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for d in dimensions {
            out += [UInt8(truncatingIfNeeded: d >> 24), UInt8(truncatingIfNeeded: d >> 16),
                    UInt8(truncatingIfNeeded: d >> 8), UInt8(truncatingIfNeeded: d)]
        }
        return out + values
    }
}

private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
}
