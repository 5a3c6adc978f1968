/// A fixed-size, zero-initialised, 64-byte aligned array of Float that is allocated once and reused.
///
/// Training reuses the same buffers for every batch, so the hot loop never allocates; pointers into it stay valid
/// for the buffer's lifetime. Not thread-safe: callers split work by disjoint ranges.
package final class FloatBuffer {
    package let count: Int
    package let pointer: UnsafeMutablePointer<Float>

    package init(count: Int) {
        precondition(count >= 0, "buffer size must not be negative")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    package convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { pointer.deallocate() }

    package subscript(index: Int) -> Float {
        get {
            precondition(index >= 0 && index < count, "index \(index) out of range 0..<\(count)")
            return pointer[index]
        }
        set {
            precondition(index >= 0 && index < count, "index \(index) out of range 0..<\(count)")
            pointer[index] = newValue
        }
    }

    package var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    package func copy(from other: FloatBuffer) {
        precondition(other.count == count, "buffer sizes differ: \(other.count) vs \(count)")
        pointer.update(from: other.pointer, count: count)
    }

    package func fill(_ value: Float) { pointer.update(repeating: value, count: count) }
}

@available(*, unavailable)
extension FloatBuffer: Sendable {}
