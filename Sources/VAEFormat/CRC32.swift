import CZlib

/// CRC-32 (ISO-HDLC, the one zlib and Python's `zlib.crc32` compute).
package enum CRC32 {
    package static func checksum(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return previous }
        var crc = UInt(previous)
        var offset = 0
        // zlib takes a 32-bit length; feed large buffers in pieces.
        while offset < bytes.count {
            let n = min(bytes.count - offset, 1 << 30)
            crc = crc32(crc, base.assumingMemoryBound(to: UInt8.self) + offset, uInt(n))
            offset += n
        }
        return UInt32(crc)
    }

    package static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
