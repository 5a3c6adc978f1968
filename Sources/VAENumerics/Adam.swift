import CVAEKernels

/// Adam with PyTorch's defaults and semantics (bias-corrected; eps added after the square root).
///
/// The moments live in two contiguous buffers the size of the parameter buffer, so one vectorised pass,
/// split across threads, updates every parameter.
package final class Adam {
    package struct Hyperparameters: Sendable, Equatable, Codable {
        package var learningRate: Float
        var beta1: Float
        var beta2: Float
        package var epsilon: Float

        package init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
        }
    }

    /// Variable so that a schedule can set the learning rate before each update.
    package var hyperparameters: Hyperparameters
    package let firstMoment: FloatBuffer
    package let secondMoment: FloatBuffer
    /// Number of updates taken so far (PyTorch's `step`).
    package var step: Int = 0

    package init(parameterCount: Int, hyperparameters: Hyperparameters = .init()) {
        self.hyperparameters = hyperparameters
        firstMoment = FloatBuffer(count: parameterCount)
        secondMoment = FloatBuffer(count: parameterCount)
    }

    /// Applies one update to `parameters` from `gradients`.
    package func update(_ parameters: FloatBuffer, gradients: FloatBuffer, parallel: ParallelLoop) {
        precondition(parameters.count == firstMoment.count && gradients.count == firstMoment.count,
                     "Adam: parameter, gradient and moment buffers must have one size")
        step += 1
        let h = hyperparameters
        let t = Double(step)
        let biasCorrection1 = 1 - _pow(Double(h.beta1), t)
        let biasCorrection2 = 1 - _pow(Double(h.beta2), t)
        let stepSize = Float(Double(h.learningRate) / biasCorrection1)
        let correction2Root = Float(biasCorrection2.squareRoot())
        let p = parameters.pointer, g = gradients.pointer, m = firstMoment.pointer, v = secondMoment.pointer
        parallel.forEachChunk(count: parameters.count, minimumChunk: 65_536) { range in
            vk_adam(p + range.lowerBound, g + range.lowerBound, m + range.lowerBound, v + range.lowerBound,
                    range.count, h.beta1, h.beta2, h.epsilon, stepSize, correction2Root)
        }
    }
}

@available(*, unavailable)
extension Adam: Sendable {}
