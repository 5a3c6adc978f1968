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
