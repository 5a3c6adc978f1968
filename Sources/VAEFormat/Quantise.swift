/// float32 values to a tensor's raw bytes in a stored dtype (Formats/vaez.md section 7.2, the writer's side).
enum Quantise {
    /// The raw bytes of `values` stored as `dtype`; `rows` is the first dimension (int8 has one scale per row).
    ///
    /// - Throws: `VAEZWriter.InputError.nonFiniteValue` for NaN or ±inf in an int8 tensor, which has no code for them.
    static func rawBytes(
        _ values: [Float], dtype: TensorDType, rows: Int, name: String
    ) throws(VAEZWriter.InputError) -> [UInt8] {
        var out: [UInt8] = []
        switch dtype {
        case .f32:
            out = values.withUnsafeBytes { Array($0) }  // already the stored layout
        case .f16:
            out.reserveCapacity(2 * values.count)
            for value in values { out.appendLittleEndian(HalfFloat.narrow(value)) }
        case .bf16:
            out.reserveCapacity(2 * values.count)
            for value in values { out.appendLittleEndian(bfloat16(value)) }
        case .int8:
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw .nonFiniteValue(tensor: name, index: bad)
            }
            let (codes, scales) = int8(values, rows: rows)
            out.reserveCapacity(codes.count + 4 * scales.count)
            out.append(contentsOf: codes.map { UInt8(bitPattern: $0) })
            for scale in scales { out.appendLittleEndian(scale.bitPattern) }
        }
        return out
    }

    /// bfloat16 bits: round to nearest even; a NaN stays a NaN (quiet bit set).
    static func bfloat16(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ (bits >> 16 & 1)) >> 16)
    }

    /// Symmetric per-row int8 in binary32 arithmetic: `scale = max|row| / 127` (1 when that is 0),
    /// `q = clamp(rint(x / scale), −127, 127)`.
    static func int8(_ values: [Float], rows: Int) -> (codes: [Int8], scales: [Float]) {
        let columns = rows == 0 ? 0 : values.count / rows
        var codes = [Int8](repeating: 0, count: values.count)
        var scales = [Float](repeating: 1, count: rows)
        for row in 0..<rows {
            let slice = values[(row * columns)..<((row + 1) * columns)]
            let peak = slice.reduce(Float(0)) { max($0, abs($1)) }
            var scale = peak / 127
            // Zero for an all-zero row, or when the division underflows; dividing by it would give NaN or inf.
            if scale == 0 { scale = 1 }
            scales[row] = scale
            for (i, value) in zip(slice.indices, slice) {
                codes[i] = Int8(min(max((value / scale).rounded(.toNearestOrEven), -127), 127))
            }
        }
        return (codes, scales)
    }
}
