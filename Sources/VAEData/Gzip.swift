import CZlib
import VAEFiles

/// gzip (and zlib) decompression through zlib.
package enum Gzip {
    /// True when `bytes` start with the gzip magic 1f 8b.
    package static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// The most bytes a stream may inflate to by default: 1 GiB, twenty times Fashion-MNIST's training images.
    package static let defaultMaximumBytes = 1 << 30

    /// Inflates a whole gzip stream (concatenated members included).
    /// - Parameter maximumBytes: the most bytes the stream may inflate to; a few kilobytes of gzip can claim
    ///   gigabytes, so the output is bounded before it is allocated.
    /// - Throws: `DataError.badCompression` naming `source` when the stream is corrupt or cut short,
    ///   `DataError.tooLarge` when it inflates past `maximumBytes`.
    package static func decompress(_ compressed: [UInt8], source: String, maximumBytes: Int = defaultMaximumBytes)
        throws(DataError) -> [UInt8]
    {
        var stream = z_stream()
        // 15 + 32: maximum window, detect gzip or zlib headers automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(.badCompression, "\(source): zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }

        var output = [UInt8]()
        output.reserveCapacity(min(compressed.count * 4, maximumBytes))
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
                guard produced <= maximumBytes - output.count else {
                    throw DataError(.tooLarge, "\(source): the gzip stream inflates past \(maximumBytes) bytes")
                }
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
