/// Little-endian integer reads from raw bytes and appends to byte arrays.
///
/// Reads use unaligned loads: table entries are 64-byte aligned but tensor index fields are packed.
extension UnsafeRawBufferPointer {
    /// The `T` at `offset`; the caller has checked `offset + MemoryLayout<T>.size <= count`.
    @inline(__always)
    func littleEndian<T: FixedWidthInteger>(at offset: Int, as _: T.Type = T.self) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// True when every byte of `range` is zero (padding and reserved fields).
    func isZero(_ range: Range<Int>) -> Bool {
        firstNonzero(in: range) == nil
    }

    /// Offset of the first nonzero byte of `range`, if any.
    func firstNonzero(in range: Range<Int>) -> Int? {
        // Word at a time: padding can be large (gaps are allowed), and this runs on every read.
        var i = range.lowerBound
        while i < range.upperBound && i % 8 != 0 {
            if self[i] != 0 { return i }
            i += 1
        }
        while i + 8 <= range.upperBound {
            if loadUnaligned(fromByteOffset: i, as: UInt64.self) != 0 { break }
            i += 8
        }
        while i < range.upperBound {
            if self[i] != 0 { return i }
            i += 1
        }
        return nil
    }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    /// Overwrites `MemoryLayout<T>.size` bytes at `offset`.
    mutating func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        Swift.withUnsafeBytes(of: value.littleEndian) { source in
            for (i, byte) in source.enumerated() { self[offset + i] = byte }
        }
    }
}
