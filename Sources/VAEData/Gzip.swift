import CZlib
import VAEFiles

/// gzip (and zlib) decompression through zlib.
package enum Gzip {
    /// True when `bytes` start with the gzip magic 1f 8b.
    package static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates a whole gzip stream (concatenated members included).
    /// - Throws: `DataError.badCompression` naming `source` when the stream is corrupt or cut short.
    package static func decompress(_ compressed: [UInt8], source: String) throws(DataError) -> [UInt8] {
        var stream = z_stream()
        // 15 + 32: maximum window, detect gzip or zlib headers automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(.badCompression, "\(source): zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }

        var output = [UInt8]()
        output.reserveCapacity(compressed.count * 4)
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        var status: Int32 = Z_OK
        try compressed.withUnsafeBufferPointer { (input) throws(DataError) in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = uInt(input.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                if status == Z_STREAM_END && stream.avail_in > 0 {
                    // Another gzip member follows.
                    guard inflateReset(&stream) == Z_OK else { break }
                    status = Z_OK
                }
            } while status == Z_OK
        }
        guard status == Z_STREAM_END else {
            let reason = status == Z_BUF_ERROR ? "the gzip stream is truncated" : "the gzip stream is corrupt (zlib error \(status))"
            throw DataError(.badCompression, "\(source): \(reason)")
        }
        return output
    }
}
