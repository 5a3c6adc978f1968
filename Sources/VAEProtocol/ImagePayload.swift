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

/// Decodes `images` params and writes result images, for grey images of one size.
public struct ImagePayload: Sendable {
    public let height: Int
    public let width: Int

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    public var pixelCount: Int { height * width }

    /// Decodes `params.images` into `count × height × width` floats in [0, 1].
    ///
    /// Each item is a flat array of height×width numbers, an array of `height` rows of `width` numbers,
    /// `{"u8": base64}` (bytes / 255) or `{"png": base64}` (8- or 16-bit grey, RGB or RGBA, folded to grey).
    /// - Throws: `RPCError` of type invalid_params, shape_mismatch, invalid_value or too_large, naming the item.
    public func decode(_ value: JSONValue?, limit: Int) throws(RPCError) -> (values: [Float], count: Int) {
        try decode(items: try Self.imageItems(value), limit: limit)
    }

    /// `images` as a non-empty array of items, each read later against the model's size.
    static func imageItems(_ value: JSONValue?) throws(RPCError) -> [JSONValue] {
        guard let value else { throw .invalidParams("params.images is required.") }
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
        let expected = [height, width]
        switch item {
        case .array(let elements):
            if let first = elements.first, case .array = first {
                guard elements.count == height else {
                    throw .shapeMismatch("image", expected: expected, got: [elements.count], index: index)
                }
                for (y, row) in elements.enumerated() {
                    guard case .array(let numbers) = row, numbers.count == width else {
                        throw .shapeMismatch("image", expected: expected, got: [height, row.arrayValue?.count ?? 0], index: index)
                    }
                    try unitNumbers(numbers, index: index, into: out + y * width)
                }
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
                // The size first, so that a PNG declaring a huge image is refused before it is decoded.
                let size: (height: Int, width: Int)
                let image: PixelImage
                do {
                    size = try PNG.size(of: bytes, source: "image \(index)")
                } catch {
                    throw .invalidValue("image \(index): \(error.message)")
                }
                guard size.height == height, size.width == width else {
                    throw .shapeMismatch("image", expected: expected, got: [size.height, size.width], index: index)
                }
                do {
                    image = try PNG.decode(bytes, channels: 1, source: "image \(index)")
                } catch {
                    throw .invalidValue("image \(index): \(error.message)")
                }
                PixelValues.bytesToUnit(image.pixels, out, count: pixelCount)
            }
        default:
            throw .invalidParams("image \(index) must be an array, {\"u8\": base64} or {\"png\": base64}.")
        }
    }

    func unitNumbers(_ numbers: [JSONValue], index: Int, into out: UnsafeMutablePointer<Float>) throws(RPCError) {
        for (i, number) in numbers.enumerated() {
            guard let v = number.doubleValue else { throw .invalidValue("image \(index): pixel \(i) is not a number.") }
            guard v >= 0 && v <= 1 else { throw .invalidValue("image \(index): pixel \(i) is \(v), outside [0, 1].") }
            out[i] = Float(v)
        }
    }

    /// Writes `count` images (floats in [0, 1]) as a JSON array in `format`.
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
            // Encoding an 8-bit grey image of a valid size cannot fail.
            let payload = format == .u8 ? bytes
                : (try? PNG.encode(PixelImage(width: width, height: height, channels: 1, pixels: bytes), uncompressed: true)) ?? []
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
