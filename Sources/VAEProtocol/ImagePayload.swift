#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import VAEData
import VAEJSON
import VAENumerics

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
        guard let value else { throw .invalidParams("params.images is required.") }
        guard case .array(let items) = value else { throw .invalidParams("params.images must be an array of images.") }
        guard !items.isEmpty else { throw .invalidParams("params.images must not be empty.") }
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
                for i in 0..<pixelCount { out[i] = Float(bytes[i]) / 255 }
            } else {
                let image: PixelImage
                do {
                    image = try PNG.decode(bytes, channels: 1, source: "image \(index)")
                } catch {
                    throw .invalidValue("image \(index): \(error.message)")
                }
                guard image.height == height, image.width == width else {
                    throw .shapeMismatch("image", expected: expected, got: [image.height, image.width], index: index)
                }
                for i in 0..<pixelCount { out[i] = Float(image.pixels[i]) / 255 }
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
    public func write(_ images: UnsafePointer<Float>, count: Int, format: ImageOutputFormat, into writer: inout JSONWriter) {
        writer.byte(UInt8(ascii: "["))
        var bytes = [UInt8](repeating: 0, count: pixelCount)
        for index in 0..<count {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            let image = images + index * pixelCount
            switch format {
            case .array:
                writer.floats(UnsafeBufferPointer(start: image, count: pixelCount))
            case .u8, .png:
                bytes.withUnsafeMutableBufferPointer { Kernels.unitToBytes(image, $0.baseAddress!, count: pixelCount) }
                let payload: [UInt8]
                if format == .png {
                    // Encoding an 8-bit grey image of a valid size cannot fail.
                    payload = (try? PNG.encode(PixelImage(width: width, height: height, channels: 1, pixels: bytes), uncompressed: true)) ?? []
                } else {
                    payload = bytes
                }
                writer.raw(format == .u8 ? "{\"u8\":\"" : "{\"png\":\"")
                writer.raw(Data(payload).base64EncodedString())
                writer.raw("\"}")
            }
        }
        writer.byte(UInt8(ascii: "]"))
    }
}
