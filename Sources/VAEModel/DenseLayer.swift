import VAENumerics

/// A fully connected layer `y = act(x Wᵀ + b)` whose parameters live at fixed offsets of a shared buffer.
///
/// `forward` keeps its output (the activation), which is all `backward` needs besides the layer input.
package struct DenseLayer: Sendable, Hashable {
    package enum Activation: Sendable, Hashable {
        case identity
        case relu
        /// Inference only: the decoder's output as probabilities. Training keeps logits and uses BCE-with-logits.
        case sigmoid
    }

    package let inputs: Int
    package let outputs: Int
    package let weightOffset: Int
    package let biasOffset: Int
    package let activation: Activation

    package init(inputs: Int, outputs: Int, weightOffset: Int, biasOffset: Int, activation: Activation) {
        self.inputs = inputs
        self.outputs = outputs
        self.weightOffset = weightOffset
        self.biasOffset = biasOffset
        self.activation = activation
    }

    /// The same layer with another activation (the decoder's last layer switches to sigmoid for inference).
    package func with(activation: Activation) -> DenseLayer {
        DenseLayer(inputs: inputs, outputs: outputs, weightOffset: weightOffset, biasOffset: biasOffset,
                   activation: activation)
    }

    /// `output[batch, outputs] = act(input[batch, inputs] · Wᵀ + b)`.
    @inline(__always)
    package func forward(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
        parameters: UnsafePointer<Float>
    ) {
        GEMM.multiply(transposeB: true, m: batch, n: outputs, k: inputs,
                  a: input, lda: inputs, b: parameters + weightOffset, ldb: inputs, c: output, ldc: outputs)
        activate(output, batch: batch, parameters: parameters)
    }

    /// `forward` for one input row that is mostly zeros, with this layer's weights given input-major
    /// (`inputs` × `outputs`, the transpose of the parameters' layout): only the weights of nonzero inputs are read.
    func forwardSparseRow(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, parameters: UnsafePointer<Float>,
        inputMajorWeights: UnsafePointer<Float>
    ) {
        Kernels.sparseRowTimesMatrix(input, inputs: inputs, inputMajorWeights, outputs: outputs, into: output)
        activate(output, batch: 1, parameters: parameters)
    }

    @inline(__always)
    private func activate(_ output: UnsafeMutablePointer<Float>, batch: Int, parameters: UnsafePointer<Float>) {
        switch activation {
        case .identity: Kernels.biasAdd(output, bias: parameters + biasOffset, rows: batch, cols: outputs)
        case .relu: Kernels.biasReLU(output, bias: parameters + biasOffset, rows: batch, cols: outputs)
        case .sigmoid: Kernels.biasSigmoid(output, bias: parameters + biasOffset, rows: batch, cols: outputs)
        }
    }

    /// Backward pass.
    ///
    /// - Parameters:
    ///   - outputGradient: dL/d(output), overwritten with dL/d(pre-activation).
    ///   - output: what `forward` wrote (the ReLU mask comes from it).
    ///   - input: the layer input used in `forward`.
    ///   - gradients: the parameter-gradient buffer; this layer's dW and db are overwritten (not accumulated).
    ///   - inputGradient: where dL/d(input) goes, or nil when nobody needs it (the first layer).
    @inline(__always)
    package func backward(
        outputGradient: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, input: UnsafePointer<Float>,
        batch: Int, parameters: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>?
    ) {
        precondition(activation != .sigmoid, "a sigmoid output layer is for inference; train on logits")
        if activation == .relu {
            Kernels.reluBackward(outputGradient, activation: output, rows: batch, cols: outputs)
        }
        GEMM.multiply(transposeA: true, m: outputs, n: inputs, k: batch,
                  a: outputGradient, lda: outputs, b: input, ldb: inputs, c: gradients + weightOffset, ldc: inputs)
        Kernels.columnSums(outputGradient, into: gradients + biasOffset, rows: batch, cols: outputs)
        if let inputGradient {
            GEMM.multiply(m: batch, n: inputs, k: outputs,
                      a: outputGradient, lda: outputs, b: parameters + weightOffset, ldb: inputs,
                      c: inputGradient, ldc: inputs)
        }
    }
}
