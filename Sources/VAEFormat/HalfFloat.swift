/// binary16 ↔ binary32 conversions with NaNs handled as the reference writer's numpy does.
///
/// Narrowing goes through `Float16` (round to nearest even) except for NaNs, which are converted by bit arithmetic
/// because libraries differ there (some set the quiet bit, numpy keeps the payload): this way a NaN's bits do not
/// depend on the CPU or the compiler runtime.
package enum HalfFloat {
    /// The binary32 value of the binary16 `bits`, exactly; a NaN keeps its payload shifted into place.
    ///
    /// Bit arithmetic rather than `Float(Float16)`, which on x86-64 without F16C is a library call per value.
    @inline(__always)
    package static func widen(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let magnitude = UInt32(bits & 0x7FFF)
        if magnitude >= 0x7C00 {
            // Infinity or NaN: all-ones exponent, significand moved up.
            return Float(bitPattern: sign | 0x7F80_0000 | (magnitude & 0x03FF) << 13)
        }
        if magnitude >= 0x0400 {
            // Normal: same significand, exponent rebiased from 15 to 127 (112 << 23).
            return Float(bitPattern: sign | ((magnitude << 13) + 0x3800_0000))
        }
        // Zero or subnormal: magnitude × 2^−24 is exact in binary32.
        return Float(bitPattern: sign | (Float(magnitude) * 0x1p-24).bitPattern)
    }

    /// `value` rounded to binary16, nearest even; beyond ±65504 (after rounding) it becomes ±inf.
    @inline(__always)
    package static func narrow(_ value: Float) -> UInt16 {
        guard value.isNaN else { return Float16(value).bitPattern }
        let bits = value.bitPattern
        var half = UInt16(0x7C00 | (bits & 0x007F_FFFF) >> 13)
        if half == 0x7C00 { half += 1 }  // a payload only in the dropped low bits must still give a NaN
        return UInt16(bits >> 16 & 0x8000) | half
    }
}
