import CJPEG
import VAEFiles
import VAEImage

/// JPEG decoding through libjpeg-turbo, with fatal errors and corrupt-data warnings returned as `DataError`s
/// (CJPEG's error manager) instead of libjpeg's exit() or grey padding.
package enum JPEG {
    /// The size and colour components a JPEG's header declares, read without decoding a pixel.
    /// - Throws: `DataError.badImage` naming `source` and libjpeg's reason.
    package static func header(of bytes: [UInt8], source: String) throws(DataError)
        -> (height: Int, width: Int, components: Int)
    {
        var header = vae_jpeg_header()
        var message = [CChar](repeating: 0, count: Int(VAE_JPEG_MESSAGE_SIZE))
        let ok = bytes.withUnsafeBufferPointer { data in
            message.withUnsafeMutableBufferPointer {
                vae_jpeg_read_header(data.baseAddress, data.count, &header, $0.baseAddress)
            }
        }
        guard ok == 1 else { throw DataError(.badImage, "\(source): not a readable JPEG: \(text(message))") }
        return (Int(header.height), Int(header.width), Int(header.components))
    }

    /// Decodes a JPEG as 8-bit grey (`channels` 1, grey files only) or RGB (`channels` 3).
    /// - Throws: `DataError.badImage` naming `source` for a truncated or corrupt file or a CMYK one.
    package static func decode(_ bytes: [UInt8], channels: Int, source: String) throws(DataError) -> PixelImage {
        precondition(channels == 1 || channels == 3, "JPEGs decode to 1 or 3 channels")
        let (height, width, _) = try header(of: bytes, source: source)
        guard height >= 1, width >= 1, height <= ImportLimits.maximumImageSide, width <= ImportLimits.maximumImageSide
        else {
            throw DataError(
                .tooLarge,
                "\(source): JPEG size \(height)×\(width) is outside 1 to \(ImportLimits.maximumImageSide) pixels a side"
            )
        }
        var pixels = [UInt8](repeating: 0, count: height * width * channels)
        var message = [CChar](repeating: 0, count: Int(VAE_JPEG_MESSAGE_SIZE))
        let ok = bytes.withUnsafeBufferPointer { data in
            pixels.withUnsafeMutableBufferPointer { out in
                message.withUnsafeMutableBufferPointer {
                    vae_jpeg_decode(
                        data.baseAddress, data.count, Int32(channels), out.baseAddress, out.count, $0.baseAddress)
                }
            }
        }
        guard ok == 1 else { throw DataError(.badImage, "\(source): JPEG decoding failed: \(text(message))") }
        return PixelImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    private static func text(_ message: [CChar]) -> String {
        String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
