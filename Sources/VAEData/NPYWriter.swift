/// Writes float32 arrays in numpy's `.npy` format (version 1.0), which `numpy.load` reads.
///
/// By hand because the format is a 10-byte preamble and a Python-literal header: no C library writes it, and
/// numpy's own writer would make the trainer depend on Python.
package enum NPYWriter {
    /// The `.npy` bytes of a C-ordered little-endian float32 array of `shape`.
    package static func float32(_ values: [Float], shape: [Int]) -> [UInt8] {
        precondition(shape.reduce(1, *) == values.count, "the shape \(shape) does not hold \(values.count) values")
        let dimensions = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(dimensions), }"
        // The preamble (10 bytes) plus the header, ended by a newline, is padded with spaces to a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(header.utf8)
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for value in values {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes += $0 }
        }
        return bytes
    }
}
