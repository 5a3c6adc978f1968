import Foundation
import Testing
import VAEImage
import VAEJSON
import VAEProtocol

@Suite("Image payloads in params and results")
struct ImagePayloadTests {
    let payload = ImagePayload(height: 2, width: 3)
    let pixels: [UInt8] = [0, 51, 102, 153, 204, 255]

    func images(_ json: String) throws -> JSONValue { try JSONParser().parse(json) }

    @Test func allFourInputFormsDecodeToTheSameValues() throws {
        let expected = pixels.map { Float($0) / 255 }
        let flat = "[" + expected.map { "\($0)" }.joined(separator: ",") + "]"
        let rows = "[[\(expected[0...2].map { "\($0)" }.joined(separator: ","))],[\(expected[3...5].map { "\($0)" }.joined(separator: ","))]]"
        let u8 = #"{"u8":"\#(Data(pixels).base64EncodedString())"}"#
        let png = try PNG.encode(PixelImage(width: 3, height: 2, channels: 1, pixels: pixels))
        let pngItem = #"{"png":"\#(Data(png).base64EncodedString())"}"#
        let decoded = try payload.decode(images("[\(flat),\(rows),\(u8),\(pngItem)]"), limit: 10)
        #expect(decoded.count == 4)
        for i in 0..<4 { #expect(Array(decoded.values[(i * 6)..<((i + 1) * 6)]) == expected, "form \(i)") }
    }

    @Test("an RGB image reads the same flat, nested [H][W][C], as u8 and as PNG; interleaved HWC")
    func rgbInputForms() throws {
        let rgb = ImagePayload(height: 2, width: 3, channels: 3)
        let bytes = (0..<18).map { UInt8($0 * 14) }
        let expected = bytes.map { Float($0) / 255 }
        let flat = JSONValue.array(expected.map { .number(JSONNumber(Double($0))) })
        let nested = JSONValue.array((0..<2).map { y in
            .array((0..<3).map { x in .array((0..<3).map { k in .number(JSONNumber(Double(expected[(y * 3 + x) * 3 + k]))) }) })
        })
        let u8 = JSONValue.object([JSONMember(key: "u8", value: .string(Data(bytes).base64EncodedString()))])
        let png = try PNG.encode(PixelImage(width: 3, height: 2, channels: 3, pixels: bytes))
        let pngItem = JSONValue.object([JSONMember(key: "png", value: .string(Data(png).base64EncodedString()))])
        let decoded = try rgb.decode(items: [flat, nested, u8, pngItem], limit: 10)
        #expect(decoded.count == 4)
        for i in 0..<4 { #expect(Array(decoded.values[(i * 18)..<((i + 1) * 18)]) == expected, "form \(i)") }
        // Pixel (row 1, column 2), channel 1 is value (1·3 + 2)·3 + 1 = 16.
        #expect(decoded.values[16] == Float(bytes[16]) / 255)
    }

    @Test("PNGs are converted to the model's channels: grey replicated, alpha dropped, colour folded to grey")
    func pngChannelConversion() throws {
        let rgb = ImagePayload(height: 1, width: 2, channels: 3)
        func item(_ image: PixelImage) throws -> JSONValue {
            .object([JSONMember(key: "png", value: .string(Data(try PNG.encode(image)).base64EncodedString()))])
        }
        let grey = try item(PixelImage(width: 2, height: 1, channels: 1, pixels: [51, 204]))
        #expect(try rgb.decode(items: [grey], limit: 1).values == [51, 51, 51, 204, 204, 204].map { Float($0) / 255 })
        // Half-transparent pixels keep their colour: alpha is dropped, not composited onto black.
        let rgba = try item(PixelImage(width: 2, height: 1, channels: 4, pixels: [255, 0, 0, 128, 0, 255, 0, 0]))
        #expect(try rgb.decode(items: [rgba], limit: 1).values == [1, 0, 0, 0, 1, 0])
        let folded = ImagePayload(height: 1, width: 2, channels: 1)
        let colour = PixelImage(width: 2, height: 1, channels: 3, pixels: [255, 0, 0, 90, 90, 90])
        let expected = try PNG.decode(PNG.encode(colour), channels: 1).pixels.map { Float($0) / 255 }
        #expect(try folded.decode(items: [try item(colour)], limit: 1).values == expected)
    }

    @Test func rgbShapesAreRefusedNamingTheShape() throws {
        let rgb = ImagePayload(height: 2, width: 3, channels: 3)
        func refusal(_ json: String) -> RPCError? {
            do {
                _ = try rgb.decode(try JSONParser().parse(json), limit: 10)
                return nil
            } catch let error as RPCError {
                return error
            } catch {
                return nil
            }
        }
        let grey = Array(repeating: "0", count: 6).joined(separator: ",")
        let flat = refusal("[[\(grey)]]")
        #expect(flat?.type == .shapeMismatch)
        #expect(flat?.details.first { $0.key == "expected" }?.value == .array([.number(JSONNumber(18))]))
        let pixelOfTwo = refusal("[[[[0,0,0],[0,0,0],[0,0]],[[0,0,0],[0,0,0],[0,0,0]]]]")
        #expect(pixelOfTwo?.type == .shapeMismatch)
        #expect(pixelOfTwo?.message.contains("[2, 3, 3]") == true)
        // Grey rows of numbers are not RGB pixels.
        #expect(refusal("[[[0,0,0],[0,0,0]]]")?.type == .shapeMismatch)
        let outside = refusal("[[[[0,0,0],[0,0,0],[0,2,0]],[[0,0,0],[0,0,0],[0,0,0]]]]")
        #expect(outside?.type == .invalidValue)
        #expect(outside?.message.contains("pixel 7") == true)
        #expect(refusal(#"[{"u8":"AAAAAAAA"}]"#)?.type == .shapeMismatch)
    }

    @Test func rgbOutputsRoundTripAsRGBPNGs() throws {
        let rgb = ImagePayload(height: 2, width: 3, channels: 3)
        let values = (0..<18).map { Float($0 * 14) / 255 }
        for format in ImageOutputFormat.allCases {
            var writer = JSONWriter()
            values.withUnsafeBufferPointer { rgb.write($0.baseAddress!, count: 1, format: format, into: &writer) }
            let written = try JSONParser().parse(writer.bytes)
            #expect(try rgb.decode(written, limit: 1).values == values, "\(format)")
            if format == .png, let text = written.arrayValue?.first?["png"]?.stringValue, let data = Data(base64Encoded: text) {
                let image = try PNG.decode([UInt8](data), channels: 3)
                #expect(image.pixels == (0..<18).map { UInt8($0 * 14) }, "an RGB PNG")
            }
            #expect(writer.bytes.count <= rgb.encodedSize(count: 1, format: format), "\(format)")
        }
    }

    @Test("Gaussian means outside [0, 1] are written raw as arrays and clipped as u8")
    func outOfRangeValuesRawInArraysClippedInBytes() throws {
        let grey = ImagePayload(height: 1, width: 3)
        let values: [Float] = [-0.5, 0.5, 1.5]
        var array = JSONWriter(), u8 = JSONWriter()
        values.withUnsafeBufferPointer {
            grey.write($0.baseAddress!, count: 1, format: .array, into: &array)
            grey.write($0.baseAddress!, count: 1, format: .u8, into: &u8)
        }
        let numbers = try JSONParser().parse(array.bytes).arrayValue?.first?.arrayValue?.compactMap(\.doubleValue)
        #expect(numbers == values.map(Double.init))
        let text = try #require(try JSONParser().parse(u8.bytes).arrayValue?.first?["u8"]?.stringValue)
        #expect([UInt8](try #require(Data(base64Encoded: text))) == [0, 128, 255])
    }

    /// PNG's chunk checksum (CRC-32, ISO 3309), bit by bit: the test edits a header.
    func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    func error(_ json: String, limit: Int = 10) -> RPCError? {
        do {
            _ = try payload.decode(images(json), limit: limit)
            return nil
        } catch let e as RPCError {
            return e
        } catch {
            return nil
        }
    }

    @Test func badImagesGetPreciseErrors() throws {
        let shape = error("[[0,0,0,0,0,0],[0,0]]")
        #expect(shape?.type == .shapeMismatch)
        #expect(shape?.details.first { $0.key == "index" }?.value.integerValue == 1)
        #expect(error("[[[0,0,0],[0,0]]]")?.type == .shapeMismatch)
        #expect(error("[[0,0,0,0,0,1.5]]")?.type == .invalidValue)
        #expect(error("[[0,0,0,0,0,\"x\"]]")?.type == .invalidValue)
        #expect(error(#"[{"u8":"!!!"}]"#)?.type == .invalidValue)
        #expect(error(#"[{"u8":"AAAA"}]"#)?.type == .shapeMismatch)
        #expect(error(#"[{"png":"AAAA"}]"#)?.type == .invalidValue)
        #expect(error(#"[{"jpeg":"AAAA"}]"#)?.type == .invalidParams)
        #expect(error("[]")?.type == .invalidParams)
        #expect(error("[[0,0,0,0,0,0],[0,0,0,0,0,0]]", limit: 1)?.type == .tooLarge)
        let big = try PNG.encode(PixelImage(width: 4, height: 2, channels: 1, pixels: Array(repeating: 0, count: 8)))
        let wrongSize = error(#"[{"png":"\#(Data(big).base64EncodedString())"}]"#)
        #expect(wrongSize?.type == .shapeMismatch)
        #expect(wrongSize?.details.first { $0.key == "got" }?.value == .array([.number(JSONNumber(2)), .number(JSONNumber(4))]))
    }

    @Test("a PNG declaring a huge image is refused by its header's size, before any pixel is decoded")
    func hugePNGRefusedBySize() throws {
        // A 3×2 PNG whose header says 30000×30000: decoding would first allocate 900 MB, then fail on the data.
        var png = try PNG.encode(PixelImage(width: 3, height: 2, channels: 1, pixels: pixels))
        png.replaceSubrange(16..<24, with: [0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30])
        let crc = crc32(png[12..<29])  // the IHDR chunk's type and data
        png.replaceSubrange(29..<33, with: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: crc >> $0) })
        let refusal = error(#"[{"png":"\#(Data(png).base64EncodedString())"}]"#)
        #expect(refusal?.type == .shapeMismatch)
        #expect(refusal?.details.first { $0.key == "got" }?.value == .array([.number(JSONNumber(30000)), .number(JSONNumber(30000))]))
    }

    @Test func outputsRoundTripThroughTheDecoder() throws {
        let values = pixels.map { Float($0) / 255 }
        for format in ImageOutputFormat.allCases {
            var writer = JSONWriter()
            values.withUnsafeBufferPointer { payload.write($0.baseAddress!, count: 1, format: format, into: &writer) }
            let decoded = try payload.decode(JSONParser().parse(writer.bytes), limit: 1)
            #expect(decoded.values == values, "\(format)")
        }
    }

    @Test func encodedSizeCoversWhatIsWrittenWithoutGreatWaste() throws {
        // 28×28 digits of random bytes (the worst case for the float form's digits).
        let digit = ImagePayload(height: 28, width: 28)
        var random = Xorshift64(seed: 0x1D16_17A1)
        let bytes = (0..<(5 * 784)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let values = bytes.map { Float($0) / 255 }
        for format in ImageOutputFormat.allCases {
            var writer = JSONWriter()
            values.withUnsafeBufferPointer { digit.write($0.baseAddress!, count: 5, format: format, into: &writer) }
            let estimate = digit.encodedSize(count: 5, format: format)
            #expect(writer.bytes.count <= estimate, "\(format): \(writer.bytes.count) > \(estimate)")
            #expect(Double(writer.bytes.count) >= 0.6 * Double(estimate), "\(format): \(writer.bytes.count) vs \(estimate)")
            if format != .array {
                var fromBytes = JSONWriter()
                bytes.withUnsafeBufferPointer { digit.write(bytes: $0.baseAddress!, count: 5, format: format, into: &fromBytes) }
                #expect(fromBytes.bytes == writer.bytes, "\(format): bytes and floats write the same")
            }
        }
    }

    @Test func paramsReadersNameTheBadMember() throws {
        let params = Params(try JSONParser().parse(#"{"count":0,"seed":18446744073709551615,"output":"gif","z":[[1,2],[3]]}"#))
        #expect(try params.seed() == UInt64.max)
        #expect(throws: RPCError.self) { try params.integer("count", in: 1...64) }
        #expect(throws: RPCError.self) { try params.outputFormat() }
        do {
            _ = try DecodeParams(z: try #require(params["z"])).codes(zDim: 2, limit: 10)
            Issue.record("a short latent code must be refused")
        } catch let error as RPCError {
            #expect(error.type == .shapeMismatch)
        }
    }
}

/// A small seeded generator (Marsaglia's xorshift64), so random test inputs are the same on every run.
struct Xorshift64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 1 : seed }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
