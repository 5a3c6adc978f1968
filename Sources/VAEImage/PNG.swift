import CPNG
import CPNGStored
import VAEFiles

/// An 8-bit image: grey (1 channel), grey+alpha (2), RGB (3) or RGBA (4), rows top to bottom.
public struct PixelImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition((1...4).contains(channels), "channels must be 1 to 4")
        precondition(pixels.count == width * height * channels, "pixel count disagrees with the size")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}

/// PNG encoding and decoding through libpng's simplified API (which reports errors instead of longjmp-ing); the
/// uncompressed encoding, for served images, is CPNGStored's direct writer.
package enum PNG {
    /// Encodes `image` as a PNG file.
    /// - Parameter uncompressed: store the pixels without compressing them: much faster and several
    ///   times larger, for images that are sent and dropped (the daemon's answers), not for files people keep.
    package static func encode(_ image: PixelImage, uncompressed: Bool = false) throws(DataError) -> [UInt8] {
        if uncompressed { return try encodeStored(image) }
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = format(channels: image.channels)
        let rowStride = Int32(image.width * image.channels)
        // One pass into a buffer that fits any encoding (stored deflate blocks and chunk headers included); libpng
        // reports the size it needs if not, and the second pass then writes into exactly that.
        let raw = image.height * (image.width * image.channels + 1)
        var size = png_alloc_size_t(raw + raw / 1024 * 32 + 1024)
        for _ in 0..<2 {
            var output = [UInt8](repeating: 0, count: Int(size))
            let written = output.withUnsafeMutableBytes { out in
                image.pixels.withUnsafeBytes {
                    png_image_write_to_memory(&png, out.baseAddress, &size, 0, $0.baseAddress, rowStride, nil)
                }
            }
            if written != 0 {
                output.removeLast(output.count - Int(size))
                return output
            }
            guard Int(size) > output.count else { break }
            png.warning_or_error = 0
        }
        throw DataError(.badImage, "PNG encoding failed: \(message(png))")
    }

    private static func encodeStored(_ image: PixelImage) throws(DataError) -> [UInt8] {
        let width = Int32(image.width), height = Int32(image.height), channels = Int32(image.channels)
        var output = [UInt8](repeating: 0, count: vae_png_stored_bound(width, height, channels))
        let size = output.withUnsafeMutableBufferPointer { out in
            image.pixels.withUnsafeBufferPointer {
                vae_png_encode_stored($0.baseAddress, width, height, channels, out.baseAddress, out.count)
            }
        }
        guard size > 0 else { throw DataError(.badImage, "PNG encoding failed (\(image.width)×\(image.height))") }
        output.removeLast(output.count - size)
        return output
    }

    /// Decodes a PNG file of any PNG colour type and bit depth, converting it to 8-bit `channels` (1 = grey, which
    /// also folds colour into grey; alpha is composited onto black when the output has none).
    /// - Throws: `DataError.badImage` naming `source` and libpng's reason.
    /// The size a PNG's header declares, read without decoding a pixel: a request can refuse a wrong-sized image
    /// before its pixels are allocated (a small PNG of zeros can declare 32768×32768, a gigabyte).
    /// - Throws: `DataError.badImage` naming `source` when the header is unreadable.
    package static func size(of bytes: [UInt8], source: String = "PNG") throws(DataError) -> (height: Int, width: Int) {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&png, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw DataError(.badImage, "\(source): not a readable PNG: \(message(png))") }
        defer { png_image_free(&png) }
        return (Int(png.height), Int(png.width))
    }

    package static func decode(_ bytes: [UInt8], channels: Int = 1, source: String = "PNG") throws(DataError) -> PixelImage {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&png, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw DataError(.badImage, "\(source): not a readable PNG: \(message(png))") }
        guard png.width > 0, png.height > 0, png.width <= 1 << 15, png.height <= 1 << 15 else {
            png_image_free(&png)
            throw DataError(.badImage, "\(source): PNG size \(png.width)×\(png.height) is out of range")
        }
        png.format = format(channels: channels)
        // Without this libpng takes 16-bit samples as linear light and gamma-encodes them on the way to 8 bits
        // (a 16-bit 32768 would come out as 188, not 128); a file's own gAMA or sRGB chunk still applies.
        png.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
        let width = Int(png.width), height = Int(png.height)
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let finished = pixels.withUnsafeMutableBytes {
            png_image_finish_read(&png, nil, $0.baseAddress, Int32(width * channels), nil)
        }
        guard finished != 0 else { throw DataError(.badImage, "\(source): PNG decoding failed: \(message(png))") }
        return PixelImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Encodes and writes atomically.
    package static func write(_ image: PixelImage, to path: String) throws(DataError) {
        try Files.writeAtomically(encode(image), to: path)
    }

    private static func format(channels: Int) -> UInt32 {
        switch channels {
        case 1: UInt32(PNG_FORMAT_GRAY)
        case 2: UInt32(PNG_FORMAT_FLAG_ALPHA)
        case 3: UInt32(PNG_FORMAT_FLAG_COLOR)
        default: UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
        }
    }

    private static func message(_ png: png_image) -> String {
        withUnsafeBytes(of: png.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
