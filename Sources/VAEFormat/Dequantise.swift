/// Raw tensor bytes to float32 values, exactly as Formats/vaez.md section 7.1 says: f32 bit for bit, f16 and bf16
/// converted exactly, int8 as `Float(q) × scale[row]` (one binary32 multiplication).
enum Dequantise {
    /// The values of a decoded tensor section, unshuffling on the way when the section is shuffled.
    static func values(_ section: SectionReader.Decoded, dtype: TensorDType, count: Int, rows: Int) -> [Float] {
        if section.shuffleWidth <= 1 { return values(section.bytes, dtype: dtype, count: count, rows: rows) }
        if dtype == .f32 && section.shuffleWidth == 4 {
            // The common case (f32 weights, shuffled by the writer): one pass from shuffled bytes to floats.
            return [Float](unsafeUninitializedCapacity: count) { out, initialized in
                ByteShuffle.unshuffle(section.bytes, width: 4, into: UnsafeMutableRawBufferPointer(out))
                initialized = count
            }
        }
        if (dtype == .f16 || dtype == .bf16) && section.shuffleWidth == 2 {
            return halves(shuffled: section.bytes, count: count, bfloat: dtype == .bf16)
        }
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: section.bytes.count, alignment: 64)
        defer { raw.deallocate() }
        ByteShuffle.unshuffle(section.bytes, width: section.shuffleWidth, into: raw)
        return values(UnsafeRawBufferPointer(raw), dtype: dtype, count: count, rows: rows)
    }

    /// The values of a tensor whose raw bytes (already checked to have the size its dtype and dims imply) are `raw`.
    static func values(_ raw: UnsafeRawBufferPointer, dtype: TensorDType, count: Int, rows: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
            switch dtype {
            case .f32:
                // Stored little-endian, like the host: a plain copy keeps NaN payloads and is the fastest path.
                UnsafeMutableRawBufferPointer(out).copyMemory(from: raw)
            case .f16:
                for i in 0..<count { out[i] = HalfFloat.widen(raw.littleEndian(at: 2 * i)) }
            case .bf16:
                for i in 0..<count {
                    out[i] = Float(bitPattern: UInt32(raw.littleEndian(at: 2 * i, as: UInt16.self)) << 16)
                }
            case .int8:
                let columns = count / rows
                for row in 0..<rows {
                    let scale = Float(bitPattern: raw.littleEndian(at: count + 4 * row))
                    for column in 0..<columns {
                        let i = row * columns + column
                        out[i] = Float(Int8(bitPattern: raw[i])) * scale
                    }
                }
            }
            initialized = count
        }
    }

    /// f16 or bf16 values from byte-shuffled storage (low bytes, then high bytes), in one pass.
    private static func halves(shuffled: UnsafeRawBufferPointer, count: Int, bfloat: Bool) -> [Float] {
        let low = shuffled.assumingMemoryBound(to: UInt8.self)
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            for i in 0..<count {
                let bits = UInt16(low[i]) | UInt16(low[count + i]) << 8
                out[i] = bfloat ? Float(bitPattern: UInt32(bits) << 16) : HalfFloat.widen(bits)
            }
            initialized = count
        }
    }
}
