import Testing

@testable import VAEFormat

@Suite("Quantisation follows section 7.2 exactly")
struct QuantisationTests {
    @Test func bfloat16RoundsToNearestEvenAndKeepsNaNs() {
        #expect(Quantise.bfloat16(1.0) == 0x3F80)
        #expect(Quantise.bfloat16(Float(bitPattern: 0x3F80_8000)) == 0x3F80, "tie goes to even")
        #expect(Quantise.bfloat16(Float(bitPattern: 0x3F81_8000)) == 0x3F82, "tie goes to even")
        #expect(Quantise.bfloat16(Float(bitPattern: 0x3F80_8001)) == 0x3F81)
        #expect(Quantise.bfloat16(.greatestFiniteMagnitude) == 0x7F80, "beyond the range: inf")
        #expect(Quantise.bfloat16(-.greatestFiniteMagnitude) == 0xFF80)
        #expect(Quantise.bfloat16(Float(bitPattern: 0x7F80_0001)) == 0x7FC0, "a signalling NaN stays a NaN")
        #expect(Quantise.bfloat16(Float(bitPattern: 0xFFC1_2345)) == 0xFFC1)
    }

    @Test func halfFloatsMatchNumpyIncludingNaNPayloads() {
        #expect(HalfFloat.narrow(65504) == 0x7BFF)
        #expect(HalfFloat.narrow(65520) == 0x7C00, "rounds past the largest half: inf")
        #expect(HalfFloat.narrow(Float(bitPattern: 0x7F80_0001)) == 0x7C01, "low payload bits alone keep a NaN")
        #expect(HalfFloat.narrow(Float(bitPattern: 0xFFC0_0001)) == 0xFE00)
        #expect(HalfFloat.widen(0x7C01).bitPattern == 0x7F80_2000)
        #expect(HalfFloat.widen(0xFE01).bitPattern == 0xFFC0_2000)
        #expect(HalfFloat.widen(0x0001) == 0x1p-24)
        // Widening is exact: the standard library's conversion agrees on every non-NaN half.
        for bits in UInt16.min...UInt16.max where !Float16(bitPattern: bits).isNaN {
            #expect(HalfFloat.widen(bits).bitPattern == Float(Float16(bitPattern: bits)).bitPattern)
        }
        // Every finite half widens and narrows back to itself.
        for bits in UInt16.min...UInt16.max where bits & 0x7C00 != 0x7C00 || bits & 0x03FF == 0 {
            #expect(HalfFloat.narrow(HalfFloat.widen(bits)) == bits)
        }
    }

    @Test func int8ScalesRowsAndHandlesDegenerateOnes() {
        let tiny = Float.leastNonzeroMagnitude
        let values: [Float] = [0, 0, 0, 0, /* row 1 */ 1, -0.5, 0.25, -1, /* row 2 */ tiny, 0, -tiny, 0]
        let (codes, scales) = Quantise.int8(values, rows: 3)
        #expect(scales[0] == 1, "all-zero row: scale 1")
        #expect(codes[0..<4].allSatisfy { $0 == 0 })
        #expect(scales[1] == Float(1) / 127)
        #expect(
            Array(codes[4..<8]) == [127, Int8((Float(-0.5) / (Float(1) / 127)).rounded(.toNearestOrEven)), 32, -127])
        #expect(scales[2] == 1, "m / 127 underflows to 0: scale 1")
        #expect(codes[8..<12].allSatisfy { $0 == 0 })
        // Ties round to even: 2.5 → 2 with scale 1 (peak 127 makes the scale exactly 1).
        let ties = Quantise.int8([127, 2.5, 3.5, -2.5], rows: 1)
        #expect(ties.scales == [1] && ties.codes == [127, 2, 4, -2])
    }

    @Test func readerDequantisesWithOneMultiplication() {
        // int8 raw bytes: codes then little-endian scales.
        let codes: [Int8] = [-128, 127, 1, -1]
        var raw = codes.map { UInt8(bitPattern: $0) }
        for scale: Float in [0.5, 3] {
            withUnsafeBytes(of: scale.bitPattern.littleEndian) { raw.append(contentsOf: $0) }
        }
        let values = raw.withUnsafeBytes { Dequantise.values($0, dtype: .int8, count: 4, rows: 2) }
        #expect(values == [-64, 63.5, 3, -3], "-128 is accepted by readers")
    }

    @Test func byteShuffleMatchesTheSpecExample() {
        let raw: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7]
        let shuffled = raw.withUnsafeBytes { ByteShuffle.shuffle($0, width: 4) }
        #expect(shuffled == [0, 4, 1, 5, 2, 6, 3, 7])
        for width in [1, 2, 4] {
            for count in [0, 1, 15, 16, 17, 100] {
                let data = (0..<(count * width)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
                let there = data.withUnsafeBytes { ByteShuffle.shuffle($0, width: width) }
                var back = [UInt8](repeating: 0, count: data.count)
                there.withUnsafeBytes { source in
                    back.withUnsafeMutableBytes { ByteShuffle.unshuffle(source, width: width, into: $0) }
                }
                #expect(back == data, "width \(width), \(count) elements")
            }
        }
    }
}
