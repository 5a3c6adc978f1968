#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VAEImage
import VAEJSON

/// How result images are written: flat float arrays, base64 bytes, or base64 PNG files.
public enum ImageOutputFormat: String, Sendable, CaseIterable {
    case array
    case u8
    case png
}

/// Decodes `images` params and writes result images, for images of one size and 1 (grey) or 3 (RGB) channels.
///
/// Values are row-major height × width × channels with the channels interleaved as in PNG, each a byte / 255
/// (Formats/vaez.md section 6.1.1).
public struct ImagePayload: Sendable {
    public let height: Int
    public let width: Int
    public let channels: Int

    public init(height: Int, width: Int, channels: Int = 1) {
        precondition(channels == 1 || channels == 3, "images are grey (1 channel) or RGB (3)")
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// Values per image: height × width × channels.
    public var pixelCount: Int { height * width * channels }

    /// The shape an image is given in: [height, width] for grey, [height, width, channels] for colour.
    var shape: [Int] { channels == 1 ? [height, width] : [height, width, channels] }

    /// Decodes `params.images` into `count × pixelCount` floats in [0, 1].
    ///
    /// Each item is a flat array of height×width×channels numbers, an array of `height` rows of `width` pixels (a
    /// pixel is a number for grey, an array of `channels` numbers for any), `{"u8": base64}` (bytes / 255) or
    /// `{"png": base64}` (any PNG, converted to the model's channels: alpha dropped, grey replicated to RGB, colour
    /// folded to grey).
    /// - Throws: `RPCError` of type invalid_params, shape_mismatch, invalid_value or too_large, naming the item.
    public func decode(_ value: JSONValue?, limit: Int) throws(RPCError) -> (values: [Float], count: Int) {
        try decode(items: try Self.imageItems(value), limit: limit)
    }

    /// `images` as a non-empty array of items, each read later against the model's size.
    static func imageItems(_ value: JSONValue?) throws(RPCError) -> [JSONValue] {
        guard let value else { throw .invalidParams("params.images is required (params.rows for a table model).") }
        guard case .array(let items) = value else { throw .invalidParams("params.images must be an array of images.") }
        guard !items.isEmpty else { throw .invalidParams("params.images must not be empty.") }
        return items
    }

    /// Decodes items already read as a non-empty array (`EncodeParams.images`, `DenoiseParams.images`).
    public func decode(items: [JSONValue], limit: Int) throws(RPCError) -> (values: [Float], count: Int) {
        guard items.count <= limit else { throw .tooLarge("params.images", count: items.count, limit: limit) }
        var values = [Float](repeating: 0, count: items.count * pixelCount)
        try values.withUnsafeMutableBufferPointer { (buffer) throws(RPCError) in
            for (index, item) in items.enumerated() {
                try decode(item, index: index, into: buffer.baseAddress! + index * pixelCount)
            }
        }
        return (values, items.count)
    }

    func decode(_ item: JSONValue, index: Int, into out: UnsafeMutablePointer<Float>) throws(RPCError) {
        switch item {
        case .array(let elements):
            if let first = elements.first, case .array = first {
                try nestedRows(elements, index: index, into: out)
            } else {
                guard elements.count == pixelCount else {
                    throw .shapeMismatch("image", expected: [pixelCount], got: [elements.count], index: index)
                }
                try unitNumbers(elements, index: index, into: out)
            }
        case .object(let members):
            guard members.count == 1, let member = members.first, let text = member.value.stringValue,
                  member.key == "u8" || member.key == "png" else {
                throw .invalidParams("image \(index) must be an array, {\"u8\": base64} or {\"png\": base64}.")
            }
            let key = member.key
            guard let data = Data(base64Encoded: text) else {
                throw .invalidValue("image \(index): the \(key) payload is not valid base64.")
            }
            let bytes = [UInt8](data)
            if key == "u8" {
                guard bytes.count == pixelCount else {
                    throw .shapeMismatch("image", expected: [pixelCount], got: [bytes.count], index: index)
                }
                PixelValues.bytesToUnit(bytes, out, count: pixelCount)
            } else {
                let pixels = try pngPixels(bytes, index: index)
                PixelValues.bytesToUnit(pixels, out, count: pixelCount)
            }
        default:
            throw .invalidParams("image \(index) must be an array, {\"u8\": base64} or {\"png\": base64}.")
        }
    }

    /// `height` rows of `width` pixels: numbers (grey only) or arrays of `channels` numbers.
    func nestedRows(_ rows: [JSONValue], index: Int, into out: UnsafeMutablePointer<Float>) throws(RPCError) {
        guard rows.count == height else {
            throw .shapeMismatch("image", expected: shape, got: [rows.count], index: index)
        }
        for (y, row) in rows.enumerated() {
            guard case .array(let pixels) = row, pixels.count == width else {
                throw .shapeMismatch("image", expected: shape, got: [height, row.arrayValue?.count ?? 0], index: index)
            }
            let rowStart = out + y * width * channels
            if channels == 1, pixels.first?.arrayValue == nil {
                try unitNumbers(pixels, index: index, into: rowStart, first: y * width)
                continue
            }
            for (x, pixel) in pixels.enumerated() {
                guard case .array(let values) = pixel, values.count == channels else {
                    throw .shapeMismatch("image", expected: [height, width, channels],
                                         got: [height, width, pixel.arrayValue?.count ?? 0], index: index)
                }
                try unitNumbers(values, index: index, into: rowStart + x * channels, first: (y * width + x) * channels)
            }
        }
    }

    /// A PNG's pixels in the model's channels, alpha dropped (not composited). The size is checked first, so that a
    /// PNG declaring a huge image is refused before it is decoded.
    func pngPixels(_ bytes: [UInt8], index: Int) throws(RPCError) -> [UInt8] {
        let size: (height: Int, width: Int)
        let image: PixelImage
        do {
            size = try PNG.size(of: bytes, source: "image \(index)")
        } catch {
            throw .invalidValue("image \(index): \(error.message)")
        }
        guard size.height == height, size.width == width else {
            throw .shapeMismatch("image", expected: [height, width], got: [size.height, size.width], index: index)
        }
        do {
            image = try PNG.decodeDroppingAlpha(bytes, channels: channels, source: "image \(index)")
        } catch {
            throw .invalidValue("image \(index): \(error.message)")
        }
        return image.pixels
    }

    /// - Parameter first: the index of `numbers[0]` among the image's values, for the messages.
    func unitNumbers(_ numbers: [JSONValue], index: Int, into out: UnsafeMutablePointer<Float>, first: Int = 0)
        throws(RPCError)
    {
        for (i, number) in numbers.enumerated() {
            let pixel = first + i
            guard let v = number.doubleValue else { throw .invalidValue("image \(index): pixel \(pixel) is not a number.") }
            guard v >= 0 && v <= 1 else { throw .invalidValue("image \(index): pixel \(pixel) is \(v), outside [0, 1].") }
            out[i] = Float(v)
        }
    }

    /// Writes `count` images as a JSON array in `format`. The floats are written as they are for `array` (a Gaussian
    /// decoder's means may leave [0, 1]) and clipped to [0, 1] for the 8-bit formats.
    package func write(_ images: UnsafePointer<Float>, count: Int, format: ImageOutputFormat, into writer: inout JSONWriter) {
        guard format == .array else {
            var bytes = [UInt8](repeating: 0, count: count * pixelCount)
            bytes.withUnsafeMutableBufferPointer {
                PixelValues.unitToBytes(images, $0.baseAddress!, count: count * pixelCount)
            }
            bytes.withUnsafeBufferPointer { write(bytes: $0.baseAddress!, count: count, format: format, into: &writer) }
            return
        }
        writer.byte(UInt8(ascii: "["))
        for index in 0..<count {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.floats(UnsafeBufferPointer(start: images + index * pixelCount, count: pixelCount))
        }
        writer.byte(UInt8(ascii: "]"))
    }

    /// Writes `count` 8-bit images (the floats' `PixelValues.unitToBytes`) as a JSON array in `format`, u8 or png.
    package func write(bytes images: UnsafePointer<UInt8>, count: Int, format: ImageOutputFormat, into writer: inout JSONWriter) {
        precondition(format != .array, "8-bit images are written as u8 or png")
        writer.byte(UInt8(ascii: "["))
        for index in 0..<count {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            let bytes = Array(UnsafeBufferPointer(start: images + index * pixelCount, count: pixelCount))
            // Encoding an 8-bit grey or RGB image of a valid size cannot fail.
            let payload = format == .u8 ? bytes
                : (try? PNG.encode(PixelImage(width: width, height: height, channels: channels, pixels: bytes),
                                   uncompressed: true)) ?? []
            writer.raw(format == .u8 ? "{\"u8\":\"" : "{\"png\":\"")
            writer.raw(Data(payload).base64EncodedString())
            writer.raw("\"}")
        }
        writer.byte(UInt8(ascii: "]"))
    }

    /// About how many bytes `write` produces for `count` images in `format` (to size a buffer once).
    package func encodedSize(count: Int, format: ImageOutputFormat) -> Int {
        let base64 = { (bytes: Int) in (bytes + 2) / 3 * 4 }
        switch format {
        case .array: return count * (pixelCount * 12 + 2) + 2
        case .u8: return count * (base64(pixelCount) + 10) + 2
        // Stored PNG: the scanlines (a filter byte per row), 68 bytes of framing, 5 more per further 64 KiB block.
        case .png:
            let scanlines = pixelCount + height
            return count * (base64(scanlines + 68 + 5 * (scanlines / 65535)) + 11) + 2
        }
    }
}
