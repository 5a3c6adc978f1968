/// Filter 1 of Formats/vaez.md section 5.1: `shuffled[j·n + i] = raw[i·k + j]` for width `k` and `n = L / k`.
///
/// Grouping the bytes of equal significance (all exponents together) is what lets zstd compress float weights.
enum ByteShuffle {
    /// Shuffles `raw` (whose length is a multiple of `width`).
    static func shuffle(_ raw: UnsafeRawBufferPointer, width: Int) -> [UInt8] {
        precondition(width >= 1 && raw.count % width == 0, "shuffle width must divide the length")
        let n = raw.count / width
        return [UInt8](unsafeUninitializedCapacity: raw.count) { out, count in
            for j in 0..<width {
                for i in 0..<n { out[j * n + i] = raw[i * width + j] }
            }
            count = raw.count
        }
    }

    /// Undoes `shuffle` into `destination` (same length as `shuffled`). Assumes a little-endian host, as the whole
    /// reader does (every platform Swift runs on today).
    static func unshuffle(
        _ shuffled: UnsafeRawBufferPointer, width: Int, into destination: UnsafeMutableRawBufferPointer
    ) {
        precondition(shuffled.count == destination.count && width >= 1 && shuffled.count % width == 0)
        let n = shuffled.count / width
        guard n > 0 else { return }
        let source = shuffled.assumingMemoryBound(to: UInt8.self)
        let out = destination.assumingMemoryBound(to: UInt8.self)
        switch width {
        case 4:
            // The hot path of loading f32 weights. Sixteen elements at a time in SIMD registers: the scalar loop is
            // not vectorised by the compiler (it cannot rule out aliasing between the four streams and the output).
            let words = UnsafeMutableRawPointer(out.baseAddress!)
            let s0 = UnsafeRawPointer(source.baseAddress!)
            var i = 0
            while i + 16 <= n {
                let b0 = SIMD16<UInt32>(truncatingIfNeeded: s0.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self))
                let b1 = SIMD16<UInt32>(
                    truncatingIfNeeded: s0.loadUnaligned(fromByteOffset: n + i, as: SIMD16<UInt8>.self))
                let b2 = SIMD16<UInt32>(
                    truncatingIfNeeded: s0.loadUnaligned(fromByteOffset: 2 * n + i, as: SIMD16<UInt8>.self))
                let b3 = SIMD16<UInt32>(
                    truncatingIfNeeded: s0.loadUnaligned(fromByteOffset: 3 * n + i, as: SIMD16<UInt8>.self))
                let word = b0 | b1 &<< 8 | b2 &<< 16 | b3 &<< 24
                words.storeBytes(of: word, toByteOffset: 4 * i, as: SIMD16<UInt32>.self)  // little-endian host
                i += 16
            }
            while i < n {
                let word =
                    UInt32(source[i]) | UInt32(source[n + i]) << 8 | UInt32(source[2 * n + i]) << 16
                    | UInt32(source[3 * n + i]) << 24
                words.storeBytes(of: word.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                i += 1
            }
        case 2:
            let words = UnsafeMutableRawPointer(out.baseAddress!)
            let s0 = UnsafeRawPointer(source.baseAddress!)
            var i = 0
            while i + 16 <= n {
                let b0 = SIMD16<UInt16>(truncatingIfNeeded: s0.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self))
                let b1 = SIMD16<UInt16>(
                    truncatingIfNeeded: s0.loadUnaligned(fromByteOffset: n + i, as: SIMD16<UInt8>.self))
                words.storeBytes(of: b0 | b1 &<< 8, toByteOffset: 2 * i, as: SIMD16<UInt16>.self)
                i += 16
            }
            while i < n {
                let word = UInt16(source[i]) | UInt16(source[n + i]) << 8
                words.storeBytes(of: word.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                i += 1
            }
        default:
            for j in 0..<width {
                for i in 0..<n { out[i * width + j] = source[j * n + i] }
            }
        }
    }
}
