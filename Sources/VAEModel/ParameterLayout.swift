/// Where each layer's weights and biases live in one contiguous parameter buffer.
///
/// Keeping every parameter in one buffer lets Adam update all of them in a single vectorised pass. The VAE's mu and
/// logvar heads are one dense layer of width 2·z_dim (mu rows first), so their GEMM runs once.
package struct ParameterLayout: Sendable {
    package let encoder: [DenseLayer]
    package let head: DenseLayer
    package let decoder: [DenseLayer]
    package let tensors: [TensorSpec]
    package let parameterCount: Int

    package init(_ architecture: Architecture) {
        var offset = 0
        var tensors: [TensorSpec] = []
        func dense(_ name: String, _ inputs: Int, _ outputs: Int, _ activation: DenseLayer.Activation) -> DenseLayer {
            let layer = DenseLayer(inputs: inputs, outputs: outputs, weightOffset: offset,
                                   biasOffset: offset + inputs * outputs, activation: activation)
            tensors.append(TensorSpec(name: "\(name).weight", shape: [outputs, inputs], offset: layer.weightOffset))
            tensors.append(TensorSpec(name: "\(name).bias", shape: [outputs], offset: layer.biasOffset))
            offset += inputs * outputs + outputs
            return layer
        }

        let inputSize = architecture.input.pixelCount
        let z = architecture.zDim
        var width = inputSize
        var encoder: [DenseLayer] = []
        for (i, size) in architecture.hidden.enumerated() {
            encoder.append(dense("encoder.\(i)", width, size, .relu))
            width = size
        }

        // The head: [mu; logvar] weights then [mu; logvar] biases, so each named tensor is still contiguous.
        let headWidth = architecture.headWidth
        let head = DenseLayer(inputs: width, outputs: headWidth, weightOffset: offset,
                              biasOffset: offset + width * headWidth, activation: .identity)
        tensors.append(TensorSpec(name: "mu.weight", shape: [z, width], offset: offset))
        if architecture.kind == .vae {
            tensors.append(TensorSpec(name: "logvar.weight", shape: [z, width], offset: offset + z * width))
        }
        tensors.append(TensorSpec(name: "mu.bias", shape: [z], offset: head.biasOffset))
        if architecture.kind == .vae {
            tensors.append(TensorSpec(name: "logvar.bias", shape: [z], offset: head.biasOffset + z))
        }
        offset += width * headWidth + headWidth

        var decoder: [DenseLayer] = []
        let decoderSizes = architecture.hidden.reversed() + [inputSize]
        width = z
        for (j, size) in decoderSizes.enumerated() {
            decoder.append(dense("decoder.\(j)", width, size, j == decoderSizes.count - 1 ? .identity : .relu))
            width = size
        }

        self.encoder = encoder
        self.head = head
        self.decoder = decoder
        self.tensors = tensors
        self.parameterCount = offset
    }

    /// Every dense layer, encoder first.
    package var layers: [DenseLayer] { encoder + [head] + decoder }
}
