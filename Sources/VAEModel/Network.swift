import VAECore
import VAENumerics

/// Loss sums over a batch (not yet divided by the batch size).
package struct LossSums: Sendable, Equatable {
    /// −log p(target | decoder output), summed over values and items: the binary cross-entropy (Bernoulli) or the
    /// Gaussian negative log-likelihood.
    package var reconstruction: Double = 0
    /// KL(q(z|x) ‖ N(0, I)) summed over images; zero for an AE.
    package var kl: Double = 0

    package init(reconstruction: Double = 0, kl: Double = 0) {
        self.reconstruction = reconstruction
        self.kl = kl
    }

    /// The negative ELBO (VAE) or the reconstruction loss (AE).
    package var total: Double { reconstruction + kl }

    package static func += (lhs: inout LossSums, rhs: LossSums) {
        lhs.reconstruction += rhs.reconstruction
        lhs.kl += rhs.kl
    }
}

/// A VAE or AE: its architecture, its parameters in one contiguous buffer, and (for training) the gradient buffer
/// beside them.
///
/// The passes themselves take a `Workspace` of preallocated activations, so a training step allocates nothing.
package final class Network {
    package let architecture: Architecture
    package let layout: ParameterLayout
    package let parameters: FloatBuffer
    /// dL/dθ, laid out like `parameters`; empty for a network made with `trainable: false`.
    package let gradients: FloatBuffer

    /// A network with all parameters zero; call `initializeParameters` or load weights.
    /// - Parameter trainable: false for forward passes only (serving, analysis): no gradient buffer, which is as
    ///   large as the parameters.
    package init(architecture: Architecture, trainable: Bool = true) throws(ArchitectureError) {
        try architecture.validate()
        self.architecture = architecture
        layout = ParameterLayout(architecture)
        parameters = FloatBuffer(count: layout.parameterCount)
        gradients = FloatBuffer(count: trainable ? layout.parameterCount : 0)
    }

    package var isTrainable: Bool { gradients.count == parameters.count }

    /// How a Gaussian decoder's σ² is chosen (unused for Bernoulli): fitted to each training batch, or fixed to
    /// score a trained model at the variance it records.
    package var decoderVariance: DecoderVariance = .fitted

    /// β, the weight of the KL term in the gradient (β-VAE; the trainer's KL warm-up raises it from 0). Losses are
    /// reported unweighted, as the ELBO.
    package var klWeight: Float = 1

    /// The σ² of the last Gaussian loss computed; nil before one.
    package private(set) var lastVariance: Float?

    /// The first encoder layer's weights input-major, for single mostly-zero images (see `prepareSparseFirstLayer`).
    private var firstLayerInputMajor: FloatBuffer?

    /// Keeps an input-major copy of the first encoder layer's weights, with which `encode` of a single image that is
    /// mostly zeros (a digit's or garment's background) reads only the weights of its nonzero pixels. For networks
    /// whose weights no longer change (serving): `setValues` and `initializeParameters` drop the copy, but writes
    /// straight into `parameters` (an optimiser's) do not.
    package func prepareSparseFirstLayer() {
        guard let layer = layout.encoder.first else { return }
        let copy = FloatBuffer(count: layer.inputs * layer.outputs)
        let weights = parameters.pointer + layer.weightOffset
        for o in 0..<layer.outputs {
            for i in 0..<layer.inputs { copy.pointer[i * layer.outputs + o] = weights[o * layer.inputs + i] }
        }
        firstLayerInputMajor = copy
    }

    /// PyTorch's `nn.Linear` initialisation: weights and biases uniform in ±1/√fan_in, layer by layer.
    package func initializeParameters(using random: inout RandomSource) {
        firstLayerInputMajor = nil
        for layer in layout.layers {
            let bound = 1 / Float(layer.inputs).squareRoot()
            for i in 0..<(layer.inputs * layer.outputs) {
                parameters.pointer[layer.weightOffset + i] = (random.nextUnitFloat() * 2 - 1) * bound
            }
            for i in 0..<layer.outputs {
                parameters.pointer[layer.biasOffset + i] = (random.nextUnitFloat() * 2 - 1) * bound
            }
        }
    }

    /// The spec of the tensor called `name`, if the model has one.
    package func tensor(named name: String) -> TensorSpec? {
        layout.tensors.first { $0.name == name }
    }

    /// A copy of one tensor's values.
    package func values(of tensor: TensorSpec) -> [Float] {
        Array(UnsafeBufferPointer(start: parameters.pointer + tensor.offset, count: tensor.count))
    }

    /// Replaces one tensor's values.
    package func setValues(_ values: [Float], of tensor: TensorSpec) {
        precondition(values.count == tensor.count, "\(tensor.name) needs \(tensor.count) values, got \(values.count)")
        values.withUnsafeBufferPointer { (parameters.pointer + tensor.offset).update(from: $0.baseAddress!, count: $0.count) }
        firstLayerInputMajor = nil
    }

    // MARK: Passes

    /// Runs the encoder; the head (mu, and logvar for a VAE) is left in `workspace.head`.
    package func encode(_ input: UnsafePointer<Float>, batch: Int, workspace: Workspace) {
        precondition(batch <= workspace.capacity, "batch \(batch) exceeds workspace capacity \(workspace.capacity)")
        let p = UnsafePointer(parameters.pointer)
        var current = input
        for (i, layer) in layout.encoder.enumerated() {
            let output = workspace.encoderOutputs[i].pointer
            if i == 0, batch == 1, let inputMajor = firstLayerInputMajor, Self.isMostlyZero(input, count: layer.inputs) {
                layer.forwardSparseRow(input: input, output: output, parameters: p, inputMajorWeights: inputMajor.pointer)
            } else {
                layer.forward(input: current, output: output, batch: batch, parameters: p)
            }
            current = UnsafePointer(output)
        }
        layout.head.forward(input: current, output: workspace.head.pointer, batch: batch, parameters: p)
    }

    /// At least 30% zeros: with fewer, the dense GEMM beats skipping them.
    private static func isMostlyZero(_ x: UnsafePointer<Float>, count: Int) -> Bool {
        var zeros = 0
        for i in 0..<count where x[i] == 0 { zeros += 1 }
        return zeros * 10 >= count * 3
    }

    /// Sets `workspace.z` from the head: sampled for a VAE (noise from `random`), mu for an AE. Returns the KL sum.
    func sampleLatent(batch: Int, workspace: Workspace, random: inout RandomSource) -> Double {
        let zDim = architecture.zDim
        switch architecture.kind {
        case .vae:
            random.fillNormal(workspace.noise.pointer, count: batch * zDim)
            return GaussianLatent.forward(head: workspace.head.pointer, noise: workspace.noise.pointer,
                                          z: workspace.z.pointer, batch: batch, zDim: zDim)
        case .ae:
            workspace.z.pointer.update(from: workspace.head.pointer, count: batch * zDim)
            return 0
        }
    }

    /// Copies mu from the head into `workspace.z` (the deterministic code used for reconstructions).
    package func latentMeans(batch: Int, workspace: Workspace) {
        let zDim = architecture.zDim, stride = architecture.headWidth
        for row in 0..<batch {
            (workspace.z.pointer + row * zDim).update(from: workspace.head.pointer + row * stride, count: zDim)
        }
    }

    /// Runs the decoder on `z`; returns the output block: logits, or with `probabilities` the data-space values
    /// (their sigmoid). A Gaussian decoder's output is its mean either way.
    @discardableResult
    package func decode(
        _ z: UnsafePointer<Float>, batch: Int, workspace: Workspace, probabilities: Bool
    ) -> UnsafeMutablePointer<Float> {
        precondition(batch <= workspace.capacity, "batch \(batch) exceeds workspace capacity \(workspace.capacity)")
        let p = UnsafePointer(parameters.pointer)
        var current = z
        for (j, var layer) in layout.decoder.enumerated() {
            if probabilities && j == layout.decoder.count - 1 && architecture.likelihood == .bernoulli {
                layer = layer.with(activation: .sigmoid)
            }
            layer.forward(input: current, output: workspace.decoderOutputs[j].pointer, batch: batch, parameters: p)
            current = UnsafePointer(workspace.decoderOutputs[j].pointer)
        }
        return workspace.decoderOutputs[layout.decoder.count - 1].pointer
    }

    /// Summed negative log-likelihood of `target` under the decoder's last output (logits for Bernoulli, the mean
    /// for Gaussian), optionally writing its gradient with respect to that output into `gradient`.
    func reconstructionLoss(
        target: UnsafePointer<Float>, batch: Int, workspace: Workspace, gradient: UnsafeMutablePointer<Float>?
    ) -> Double {
        let output = UnsafePointer(workspace.decoderOutputs[layout.decoder.count - 1].pointer)
        switch architecture.likelihood {
        case .bernoulli:
            return chunkedSum(batch: batch, workspace: workspace) { offset, count in
                Kernels.bceWithLogits(logits: output + offset, target: target + offset,
                                      gradient: gradient.map { $0 + offset }, count: count)
            }
        case .gaussian:
            let count = batch * architecture.input.pixelCount
            let squaredError = chunkedSum(batch: batch, workspace: workspace) { offset, count in
                Self.squaredError(output + offset, target + offset, count: count)
            }
            let variance: Float = switch decoderVariance {
            case .fitted: max(Float(squaredError / Double(count)), DecoderVariance.floor)
            case .fittedAtLeast(let floor): max(Float(squaredError / Double(count)), floor, DecoderVariance.floor)
            case .fixed(let value): value
            }
            lastVariance = variance
            if let gradient {
                // d/d(mean) of ‖x − mean‖²/(2σ²). A fitted σ² is the loss's own minimiser, so holding it fixed
                // here gives the full derivative; a σ² held at its floor does not depend on the mean at all.
                let scale = 1 / variance
                _ = chunkedSum(batch: batch, workspace: workspace) { offset, count in
                    for i in offset..<(offset + count) { gradient[i] = (output[i] - target[i]) * scale }
                    return 0
                }
            }
            return Self.gaussianNegativeLogLikelihood(squaredError: squaredError, count: count, variance: variance)
        }
    }

    /// Runs `body(offset, count)` over the batch's values in per-thread chunks of whole rows and adds the results
    /// in chunk order, so the sum does not depend on thread timing.
    private func chunkedSum(
        batch: Int, workspace: Workspace, _ body: @escaping (_ offset: Int, _ count: Int) -> Double
    ) -> Double {
        let width = architecture.input.pixelCount
        let rowsPerChunk = max(1, batch / workspace.parallel.threadCount)
        let partial = workspace.partialSums.pointer
        let chunks = (batch + rowsPerChunk - 1) / rowsPerChunk
        workspace.parallel.forEachChunk(count: chunks, minimumChunk: 1) { range in
            for chunk in range {
                let start = chunk * rowsPerChunk, rows = min(rowsPerChunk, batch - start)
                partial[chunk] = Float(body(start * width, rows * width))
            }
        }
        var sum = 0.0
        for chunk in 0..<chunks { sum += Double(partial[chunk]) }
        return sum
    }

    /// Σ (a − b)² over `count` values.
    package static func squaredError(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
        var sum: Float = 0
        for i in 0..<count {
            let d = a[i] - b[i]
            sum += d * d
        }
        return Double(sum)
    }

    /// −log N(x; mean, σ² I) summed over `count` values whose squared errors add up to `squaredError`.
    package static func gaussianNegativeLogLikelihood(squaredError: Double, count: Int, variance: Float) -> Double {
        0.5 * (Double(count) * _log(2 * Double.pi * Double(variance)) + squaredError / Double(variance))
    }

    /// The σ² a Gaussian decoder is scored at: the fixed one (a loaded model's recorded variance), else the last
    /// fitted one, else 1.
    package var scoringVariance: Float {
        if case .fixed(let variance) = decoderVariance { return variance }
        return lastVariance ?? 1
    }

    /// −log p(target | output) for `count` values: the BCE of the decoder's logits, or the Gaussian NLL at
    /// `variance` (by default `scoringVariance`) around the decoder's mean.
    package func negativeLogLikelihood(
        output: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int, variance: Float? = nil
    ) -> Double {
        let variance = variance ?? scoringVariance
        switch architecture.likelihood {
        case .bernoulli:
            return Kernels.bceWithLogits(logits: output, target: target, gradient: nil, count: count)
        case .gaussian:
            return Self.gaussianNegativeLogLikelihood(
                squaredError: Self.squaredError(output, target, count: count), count: count, variance: variance)
        }
    }

    /// Forward pass and loss with one z sample per image, without gradients.
    package func evaluate(
        input: UnsafePointer<Float>, target: UnsafePointer<Float>, batch: Int,
        workspace: Workspace, random: inout RandomSource
    ) -> LossSums {
        encode(input, batch: batch, workspace: workspace)
        let kl = sampleLatent(batch: batch, workspace: workspace, random: &random)
        decode(workspace.z.pointer, batch: batch, workspace: workspace, probabilities: false)
        let reconstruction = reconstructionLoss(target: target, batch: batch, workspace: workspace, gradient: nil)
        return LossSums(reconstruction: reconstruction, kl: kl)
    }

    /// Forward and backward pass: returns the batch's loss sums and leaves dL/dθ in `gradients`.
    ///
    /// The loss is summed over the batch (as the PyTorch reference does), not averaged.
    package func computeGradients(
        input: UnsafePointer<Float>, target: UnsafePointer<Float>, batch: Int,
        workspace: Workspace, random: inout RandomSource
    ) -> LossSums {
        precondition(isTrainable, "this network was made without gradients (trainable: false)")
        precondition(workspace.keepsActivations, "this workspace was made for inference only")
        encode(input, batch: batch, workspace: workspace)
        let kl = sampleLatent(batch: batch, workspace: workspace, random: &random)
        decode(workspace.z.pointer, batch: batch, workspace: workspace, probabilities: false)
        var gradient = workspace.gradientA.pointer, spare = workspace.gradientB.pointer
        let reconstruction = reconstructionLoss(target: target, batch: batch, workspace: workspace, gradient: gradient)

        let p = UnsafePointer(parameters.pointer), g = gradients.pointer
        // Decoder, last layer first; `gradient` always holds dL/d(this layer's output).
        for j in stride(from: layout.decoder.count - 1, through: 0, by: -1) {
            let layer = layout.decoder[j]
            let input = j == 0 ? UnsafePointer(workspace.z.pointer) : UnsafePointer(workspace.decoderOutputs[j - 1].pointer)
            layer.backward(outputGradient: gradient, output: workspace.decoderOutputs[j].pointer, input: input,
                           batch: batch, parameters: p, gradients: g, inputGradient: spare)
            swap(&gradient, &spare)
        }

        // Latent: dL/dz → dL/d(head).
        let headGradient: UnsafeMutablePointer<Float>
        switch architecture.kind {
        case .vae:
            GaussianLatent.backward(zGradient: gradient, head: workspace.head.pointer, noise: workspace.noise.pointer,
                                    headGradient: spare, batch: batch, zDim: architecture.zDim, klWeight: klWeight)
            headGradient = spare
            spare = gradient
        case .ae:
            headGradient = gradient
        }

        // Head and encoder; the first layer skips its input gradient (nobody needs dL/dx).
        var outputGradient = headGradient
        let layers = layout.encoder + [layout.head]
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[i]
            let output = i == layers.count - 1 ? workspace.head.pointer : workspace.encoderOutputs[i].pointer
            let layerInput = i == 0 ? input : UnsafePointer(workspace.encoderOutputs[i - 1].pointer)
            layer.backward(outputGradient: outputGradient, output: output, input: layerInput, batch: batch,
                           parameters: p, gradients: g, inputGradient: i == 0 ? nil : spare)
            swap(&outputGradient, &spare)
        }
        return LossSums(reconstruction: reconstruction, kl: kl)
    }
}

@available(*, unavailable)
extension Network: Sendable {}

/// Preallocated activations and gradients for batches of up to `capacity` images.
///
/// A training workspace keeps every layer's output for the backward pass. An inference workspace keeps only two
/// buffers that the layers' outputs alternate between, and no gradients: a third of the memory for serving.
package final class Workspace {
    package let capacity: Int
    package let parallel: ParallelLoop
    package let encoderOutputs: [FloatBuffer]
    package let head: FloatBuffer
    package let noise: FloatBuffer
    package let z: FloatBuffer
    package let decoderOutputs: [FloatBuffer]
    let gradientA: FloatBuffer
    let gradientB: FloatBuffer
    let partialSums: FloatBuffer
    /// Whether each layer's output survives the next layer (false for inference): needed for backward passes.
    package let keepsActivations: Bool

    /// - Parameter inference: forward passes only (serving): layer outputs alternate between two buffers, and
    ///   there is no room for gradients. Only the last layer's output of a pass is valid after it.
    package init(network: Network, capacity: Int, threads: Int = 1, inference: Bool = false) {
        precondition(capacity >= 1, "workspace capacity must be at least 1")
        self.capacity = capacity
        parallel = ParallelLoop(threadCount: threads)
        keepsActivations = !inference
        let layout = network.layout
        if inference {
            // Layer i reads buffer (i - 1) % 2 and writes buffer i % 2; a decoder starts from `z` or the caller's codes.
            let widestOutput = (layout.encoder + layout.decoder).map(\.outputs).max() ?? 1
            let alternating = [FloatBuffer(count: capacity * widestOutput), FloatBuffer(count: capacity * widestOutput)]
            encoderOutputs = layout.encoder.indices.map { alternating[$0 % 2] }
            decoderOutputs = layout.decoder.indices.map { alternating[$0 % 2] }
        } else {
            encoderOutputs = layout.encoder.map { FloatBuffer(count: capacity * $0.outputs) }
            decoderOutputs = layout.decoder.map { FloatBuffer(count: capacity * $0.outputs) }
        }
        head = FloatBuffer(count: capacity * layout.head.outputs)
        noise = FloatBuffer(count: capacity * network.architecture.zDim)
        z = FloatBuffer(count: capacity * network.architecture.zDim)
        let widest = layout.layers.map { max($0.inputs, $0.outputs) }.max() ?? 1
        gradientA = FloatBuffer(count: inference ? 1 : capacity * widest)
        gradientB = FloatBuffer(count: inference ? 1 : capacity * widest)
        partialSums = FloatBuffer(count: capacity)
    }
}

@available(*, unavailable)
extension Workspace: Sendable {}
