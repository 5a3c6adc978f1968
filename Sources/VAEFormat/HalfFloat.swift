/// binary16 ↔ binary32 conversions with NaNs handled as the reference writer's numpy does.
///
/// Finite values and infinities go through `Float16` (exact widening; round-to-nearest-even narrowing). NaNs are
/// converted by bit arithmetic because libraries differ there (some set the quiet bit, numpy keeps the payload):
/// this way a NaN's bits do not depend on the CPU or the compiler runtime.
enum HalfFloat {
    /// The binary32 value of the binary16 `bits`, exactly; a NaN keeps its payload shifted into place.
    @inline(__always)
    static func widen(_ bits: UInt16) -> Float {
        if bits & 0x7C00 == 0x7C00 && bits & 0x03FF != 0 {
            return Float(bitPattern: UInt32(bits & 0x8000) << 16 | 0x7F80_0000 | UInt32(bits & 0x03FF) << 13)
        }
        return Float(Float16(bitPattern: bits))
    }

    /// `value` rounded to binary16, nearest even; beyond ±65504 (after rounding) it becomes ±inf.
    @inline(__always)
    static func narrow(_ value: Float) -> UInt16 {
        guard value.isNaN else { return Float16(value).bitPattern }
        let bits = value.bitPattern
        var half = UInt16(0x7C00 | (bits & 0x007F_FFFF) >> 13)
        if half == 0x7C00 { half += 1 }  // a payload only in the dropped low bits must still give a NaN
        return UInt16(bits >> 16 & 0x8000) | half
    }
}
