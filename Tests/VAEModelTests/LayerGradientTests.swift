import Testing
import VAECore
import VAEModel
import VAENumerics

@Suite("Layer backward passes against finite differences")
struct LayerGradientTests {
    /// L = Σ output ⊙ R, so dL/d(output) = R.
    func check(activation: DenseLayer.Activation) {
        let batch = 3, inputs = 5, outputs = 4
        let layer = DenseLayer(inputs: inputs, outputs: outputs, weightOffset: 0, biasOffset: inputs * outputs,
                               activation: activation)
        let parameters = randomBuffer(inputs * outputs + outputs, seed: 1)
        let input = randomBuffer(batch * inputs, seed: 2, scale: 2)
        let projection = randomBuffer(batch * outputs, seed: 3)
        let output = FloatBuffer(count: batch * outputs)

        func loss() -> Double {
            layer.forward(input: input.pointer, output: output.pointer, batch: batch, parameters: parameters.pointer)
            return (0..<(batch * outputs)).reduce(0.0) { $0 + Double(output.pointer[$1] * projection.pointer[$1]) }
        }
        _ = loss()
        let outputGradient = FloatBuffer(projection.array)
        let gradients = FloatBuffer(count: parameters.count)
        let inputGradient = FloatBuffer(count: batch * inputs)
        layer.backward(outputGradient: outputGradient.pointer, output: output.pointer, input: input.pointer,
                       batch: batch, parameters: parameters.pointer, gradients: gradients.pointer,
                       inputGradient: inputGradient.pointer)

        for i in 0..<parameters.count {
            let numeric = finiteDifference(parameters.pointer, at: i, step: 1e-3, loss: loss)
            #expect(agrees(Double(gradients[i]), numeric), "parameter \(i): analytic \(gradients[i]) numeric \(numeric)")
        }
        for i in 0..<input.count {
            let numeric = finiteDifference(input.pointer, at: i, step: 1e-3, loss: loss)
            #expect(agrees(Double(inputGradient[i]), numeric), "input \(i): analytic \(inputGradient[i]) numeric \(numeric)")
        }
    }

    @Test func denseIdentity() { check(activation: .identity) }
    @Test func denseReLU() { check(activation: .relu) }

    @Test func reluMaskActuallyApplies() {
        // A ReLU layer whose pre-activations are all negative must pass no gradient at all.
        let layer = DenseLayer(inputs: 2, outputs: 2, weightOffset: 0, biasOffset: 4, activation: .relu)
        let parameters = FloatBuffer([0, 0, 0, 0, -1, -1])
        let input = FloatBuffer([1, 2])
        let output = FloatBuffer(count: 2)
        layer.forward(input: input.pointer, output: output.pointer, batch: 1, parameters: parameters.pointer)
        #expect(output.array == [0, 0])
        let gradient = FloatBuffer([5, 7]), gradients = FloatBuffer(count: 6), inputGradient = FloatBuffer(count: 2)
        layer.backward(outputGradient: gradient.pointer, output: output.pointer, input: input.pointer, batch: 1,
                       parameters: parameters.pointer, gradients: gradients.pointer, inputGradient: inputGradient.pointer)
        #expect(gradients.array == [0, 0, 0, 0, 0, 0])
    }

    @Test func gaussianLatentReparameterisationAndKL() {
        let batch = 3, zDim = 2
        let head = randomBuffer(batch * 2 * zDim, seed: 4)
        let noise = randomBuffer(batch * zDim, seed: 5, scale: 1.5)
        let projection = randomBuffer(batch * zDim, seed: 6)
        let z = FloatBuffer(count: batch * zDim)
        func loss() -> Double {
            let kl = GaussianLatent.forward(head: head.pointer, noise: noise.pointer, z: z.pointer, batch: batch, zDim: zDim)
            return kl + (0..<(batch * zDim)).reduce(0.0) { $0 + Double(z.pointer[$1] * projection.pointer[$1]) }
        }
        _ = loss()
        let headGradient = FloatBuffer(count: head.count)
        GaussianLatent.backward(zGradient: projection.pointer, head: head.pointer, noise: noise.pointer,
                                headGradient: headGradient.pointer, batch: batch, zDim: zDim)
        for i in 0..<head.count {
            let numeric = finiteDifference(head.pointer, at: i, step: 1e-3, loss: loss)
            #expect(agrees(Double(headGradient[i]), numeric), "head \(i): analytic \(headGradient[i]) numeric \(numeric)")
        }
    }

    @Test func klMatchesClosedForm() {
        // mu = 1, logvar = 0 for one dimension: KL = ½ (σ² + μ² - 1 - log σ²) = 0.5.
        let head = FloatBuffer([1, 0])
        #expect(abs(GaussianLatent.divergence(head: head.pointer, batch: 1, zDim: 1) - 0.5) < 1e-7)
    }

    @Test func bceWithLogitsGradient() {
        let n = 37
        let logits = randomBuffer(n, seed: 7, scale: 6)
        var random = RandomSource(seed: 8)
        let target = FloatBuffer((0..<n).map { _ in random.nextUnitFloat() })
        let gradient = FloatBuffer(count: n)
        _ = Kernels.bceWithLogits(logits: logits.pointer, target: target.pointer, gradient: gradient.pointer, count: n)
        for i in 0..<n {
            let numeric = finiteDifference(logits.pointer, at: i, step: 1e-3) {
                Kernels.bceWithLogits(logits: logits.pointer, target: target.pointer, gradient: nil, count: n)
            }
            #expect(agrees(Double(gradient[i]), numeric), "logit \(i): analytic \(gradient[i]) numeric \(numeric)")
        }
    }
}
