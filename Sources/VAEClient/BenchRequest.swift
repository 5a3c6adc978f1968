import Foundation
import VAECore
import VAEFiles
import VAEImage
import VAEJSON

/// Builds the one request line a load run repeats.
package enum BenchRequest {
    /// How images travel in the request (Formats/protocol.md section 3).
    package enum Payload: String, Sendable, CaseIterable {
        case u8
        case array
        case png
    }

    /// `count` copies of `image` as request items in `payload` form.
    package static func images(_ image: PixelImage, count: Int, payload: Payload) throws(DataError) -> [JSONValue] {
        let item: JSONValue
        switch payload {
        case .u8:
            item = .object([JSONMember(key: "u8", value: .string(Data(image.pixels).base64EncodedString()))])
        case .png:
            item = .object([JSONMember(key: "png", value: .string(Data(try PNG.encode(image)).base64EncodedString()))])
        case .array:
            item = .array(image.pixels.map { .number(JSONNumber(text: unitText($0), double: Double($0) / 255)) })
        }
        return Array(repeating: item, count: count)
    }

    /// `count` latent codes of `zDim` values in [-1, 1], the same every run.
    package static func latentCodes(count: Int, zDim: Int) -> JSONValue {
        var codes: [JSONValue] = []
        for i in 0..<count {
            var code: [JSONValue] = []
            for j in 0..<zDim {
                let step = (i * 7 + j * 3) % 11 - 5
                code.append(.number(JSONNumber(Double(step) / 5)))
            }
            codes.append(.array(code))
        }
        return .array(codes)
    }

    /// `count` table rows of `width` N(0, 1) draws (seed 1), the same every run: the values do not change what a
    /// request costs, only its size does.
    package static func syntheticRows(count: Int, width: Int) -> [[Double]] {
        var random = RandomSource(seed: 1)
        return (0..<count).map { _ in
            var row: [Double] = []
            while row.count < width {
                let (a, b) = random.nextNormalPair()
                row += [a, b].map { (Double($0) * 1e4).rounded() / 1e4 }  // 4 decimals: short request lines
            }
            return Array(row.prefix(width))
        }
    }

    /// A soft bright ellipse on black, of the given size: a stand-in for a digit, the same every run.
    package static func syntheticImage(height: Int, width: Int) -> PixelImage {
        let cy = Double(height - 1) / 2
        let cx = Double(width - 1) / 2
        let ry = max(Double(height) * 0.35, 1)
        let rx = max(Double(width) * 0.22, 1)
        var pixels = [UInt8](repeating: 0, count: height * width)
        for y in 0..<height {
            for x in 0..<width {
                let d = pow((Double(y) - cy) / ry, 2) + pow((Double(x) - cx) / rx, 2)
                pixels[y * width + x] = UInt8((max(0, 1 - d) * 255).rounded())
            }
        }
        return PixelImage(width: width, height: height, channels: 1, pixels: pixels)
    }

    /// A byte's value / 255 in few digits (4 decimals keep it within half a step of the byte).
    static func unitText(_ byte: UInt8) -> String {
        if byte == 0 { return "0" }
        if byte == 255 { return "1" }
        let scaled = (Double(byte) / 255 * 10_000).rounded()
        var digits = String(Int(scaled))
        digits = String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "0.\(digits)"
    }
}
