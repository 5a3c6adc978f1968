import VAEFormat

/// A PNG writer independent of libpng, for testing the reader on files libpng's simplified writer cannot make
/// (16-bit samples, grey+alpha): stored (uncompressed) deflate blocks, written byte by byte from the PNG spec.
package enum TestPNG {
    /// The PNG colour types.
    package enum ColorType: UInt8, Sendable {
        case grey = 0
        case rgb = 2
        case greyAlpha = 4
        case rgba = 6

        package var channels: Int {
            switch self {
            case .grey: 1
            case .rgb: 3
            case .greyAlpha: 2
            case .rgba: 4
            }
        }
    }

    /// Encodes `samples` (row-major, `channels` per pixel, each below 2^bitDepth) as a PNG of depth 8 or 16.
    package static func encode(width: Int, height: Int, colorType: ColorType, bitDepth: Int, samples: [UInt16])
        -> [UInt8]
    {
        precondition(bitDepth == 8 || bitDepth == 16)
        precondition(samples.count == width * height * colorType.channels)
        var raw: [UInt8] = []
        let rowSamples = width * colorType.channels
        for y in 0..<height {
            raw.append(0)  // filter: none
            for sample in samples[(y * rowSamples)..<((y + 1) * rowSamples)] {
                if bitDepth == 16 { raw.append(UInt8(sample >> 8)) }
                raw.append(UInt8(truncatingIfNeeded: sample))
            }
        }
        var header: [UInt8] = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [UInt8(bitDepth), colorType.rawValue, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", header) + chunk("IDAT", storedZlib(raw)) + chunk("IEND", [])
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        let crc = body.withUnsafeBytes { CRC32.checksum($0) }
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc)
    }

    static func storedZlib(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, data.count - offset)
            let final: UInt8 = offset + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[offset..<(offset + n)]
            offset += n
        } while offset < data.count
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return out + bigEndian(b << 16 | a)
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
