import CVAEKernels

/// The element-wise passes between GEMMs, as thin wrappers over the vectorised C kernels.
package enum Kernels {
    /// The copy of the kernels in use, the widest this CPU runs: "x86-64-v4" (AVX-512), "x86-64-v3" (AVX2) or
    /// "baseline".
    package static var instructionSet: String { String(cString: vk_instruction_set()) }

    /// `y = relu(y + bias)` row by row.
    @inline(__always)
    package static func biasReLU(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        vk_bias_relu(y, bias, rows, cols)
    }

    /// `y = y + bias` row by row.
    @inline(__always)
    package static func biasAdd(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        vk_bias_add(y, bias, rows, cols)
    }

    /// `y = sigmoid(y + bias)` row by row.
    @inline(__always)
    package static func biasSigmoid(
        _ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, cols: Int
    ) {
        vk_bias_sigmoid(y, bias, rows, cols)
    }

    /// Zeroes `grad` where the ReLU output `activation` is not positive.
    @inline(__always)
    package static func reluBackward(
        _ grad: UnsafeMutablePointer<Float>, activation: UnsafePointer<Float>, rows: Int, cols: Int
    ) {
        vk_relu_backward(grad, activation, rows, cols)
    }

    /// `out[c] = Σ_r m[r][c]`.
    @inline(__always)
    package static func columnSums(_ m: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        vk_column_sums(m, out, rows, cols)
    }

    /// Summed binary cross-entropy of `sigmoid(logits)` against `target`, and its gradient w.r.t. the logits.
    @inline(__always)
    package static func bceWithLogits(
        logits: UnsafePointer<Float>, target: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>?, count: Int
    ) -> Double {
        vk_bce_logits(logits, target, gradient, count)
    }

    /// Bytes 0...255 to floats in [0, 1].
    @inline(__always)
    package static func bytesToUnit(_ source: UnsafePointer<UInt8>, _ destination: UnsafeMutablePointer<Float>, count: Int) {
        vk_u8_to_unit(source, destination, count)
    }

    /// y = x · W for one row `x` and an input-major `w` (`inputs` × `outputs`), reading only the rows of `w` that
    /// nonzero inputs select.
    @inline(__always)
    package static func sparseRowTimesMatrix(
        _ x: UnsafePointer<Float>, inputs: Int, _ w: UnsafePointer<Float>, outputs: Int, into y: UnsafeMutablePointer<Float>
    ) {
        vk_sparse_row_times_matrix(x, inputs, w, outputs, y)
    }

    /// Floats (clamped to [0, 1]) to bytes, rounded to nearest.
    @inline(__always)
    package static func unitToBytes(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<UInt8>, count: Int) {
        vk_unit_to_u8(source, destination, count)
    }
}
