import Foundation
import Testing
import VAECore
import VAEModel
import VAENumerics

@Suite("Whole-model loss gradients against finite differences")
struct NetworkGradientTests {
    func check(
        _ kind: Architecture.Kind, hidden: [Int], likelihood: Likelihood = .bernoulli,
        variance: DecoderVariance = .fitted, klWeight: Float = 1
    ) throws {
        var architecture = Architecture(kind: kind, input: ImageShape(height: 3, width: 2), hidden: hidden, zDim: 2)
        architecture.likelihood = likelihood
        let network = try Network(architecture: architecture)
        network.decoderVariance = variance
        network.klWeight = klWeight
        var initRandom = RandomSource(seed: 11)
        network.initializeParameters(using: &initRandom)
        let batch = 4
        let workspace = Workspace(network: network, capacity: batch)
        var dataRandom = RandomSource(seed: 12)
        let input = FloatBuffer((0..<(batch * 6)).map { _ in dataRandom.nextUnitFloat() })
        // Gaussian targets are standardised-looking values, not pixels.
        let target = FloatBuffer((0..<(batch * 6)).map { _ in
            likelihood == .bernoulli ? dataRandom.nextUnitFloat() : dataRandom.nextUnitFloat() * 4 - 2
        })

        // The same noise ε for every evaluation: a fresh generator with one seed. The loss trained is
        // reconstruction + β·KL (a fitted σ² is refitted at every evaluation: its gradient is the loss's own).
        func loss() -> Double {
            var random = RandomSource(seed: 99)
            let sums = network.evaluate(input: input.pointer, target: target.pointer, batch: batch,
                                        workspace: workspace, random: &random)
            return sums.reconstruction + Double(klWeight) * sums.kl
        }
        var random = RandomSource(seed: 99)
        let losses = network.computeGradients(input: input.pointer, target: target.pointer, batch: batch,
                                              workspace: workspace, random: &random)
        #expect(abs(losses.reconstruction + Double(klWeight) * losses.kl - loss()) < 1e-4,
                "evaluate and computeGradients disagree on the loss")
        if kind == .ae { #expect(losses.kl == 0) } else { #expect(losses.kl > 0) }

        var checked = 0
        for tensor in network.layout.tensors {
            for i in 0..<tensor.count {
                let index = tensor.offset + i
                // The step must stay below the distance to the nearest ReLU kink (about 3.5e-3 here), else the
                // difference straddles it; 3e-3 still keeps float32 rounding noise under the tolerance.
                let numeric = finiteDifference(network.parameters.pointer, at: index, step: 3e-3, loss: loss)
                let analytic = Double(network.gradients[index])
                #expect(agrees(analytic, numeric, absolute: 5e-3, relative: 3e-2),
                        "\(tensor.name)[\(i)]: analytic \(analytic) numeric \(numeric)")
                checked += 1
            }
        }
        #expect(checked == network.layout.parameterCount)
    }

    @Test func vaeLossGradient() throws { try check(.vae, hidden: [5, 4]) }
    @Test func aeLossGradient() throws { try check(.ae, hidden: [5, 4]) }
    @Test func vaeWithoutHiddenLayers() throws { try check(.vae, hidden: []) }
    @Test func gaussianVAEWithFittedVariance() throws { try check(.vae, hidden: [5, 4], likelihood: .gaussian) }
    @Test func gaussianAEWithFixedVariance() throws {
        try check(.ae, hidden: [5, 4], likelihood: .gaussian, variance: .fixed(0.3))
    }
    @Test func gaussianVAEWithVarianceHeldAtItsFloor() throws {
        try check(.vae, hidden: [5, 4], likelihood: .gaussian, variance: .fittedAtLeast(50))
    }
    @Test func betaWeightsTheKLGradient() throws { try check(.vae, hidden: [5, 4], klWeight: 0.25) }
}

@Suite("Gaussian likelihood: the loss and the variance")
struct GaussianLikelihoodTests {
    /// A 1-layer Gaussian AE on two rows whose reconstruction error is known.
    func network(variance: DecoderVariance) throws -> (Network, Workspace) {
        var architecture = Architecture(kind: .ae, input: ImageShape(height: 1, width: 3), hidden: [], zDim: 2)
        architecture.likelihood = .gaussian
        let network = try Network(architecture: architecture)
        var random = RandomSource(seed: 5)
        network.initializeParameters(using: &random)
        network.decoderVariance = variance
        return (network, Workspace(network: network, capacity: 2))
    }

    @Test func fittedVarianceIsTheMeanSquaredErrorAndTheLossItsNegativeLogLikelihood() throws {
        let (network, workspace) = try network(variance: .fitted)
        let input = FloatBuffer([0.5, -1, 2, 1, 0, -0.5])
        var random = RandomSource(seed: 1)
        let sums = network.evaluate(input: input.pointer, target: input.pointer, batch: 2, workspace: workspace,
                                    random: &random)
        // The decoder's output (its mean, no sigmoid) is what evaluate left in the last layer.
        let output = network.decode(workspace.z.pointer, batch: 2, workspace: workspace, probabilities: true)
        var squared = 0.0
        for i in 0..<6 { squared += Double((output[i] - input[i]) * (output[i] - input[i])) }
        let variance = try #require(network.lastVariance)
        #expect(abs(Double(variance) - squared / 6) < 1e-6)
        let expected = 0.5 * (6 * log(2 * Double.pi * squared / 6) + 6)
        #expect(abs(sums.reconstruction - expected) < 1e-4)
        #expect(sums.kl == 0)
    }

    @Test func fixedVarianceIsUsedAsGiven() throws {
        let (network, workspace) = try network(variance: .fixed(0.25))
        let input = FloatBuffer([0.5, -1, 2, 1, 0, -0.5])
        var random = RandomSource(seed: 1)
        let sums = network.evaluate(input: input.pointer, target: input.pointer, batch: 2, workspace: workspace,
                                    random: &random)
        let output = network.decode(workspace.z.pointer, batch: 2, workspace: workspace, probabilities: true)
        var squared = 0.0
        for i in 0..<6 { squared += Double((output[i] - input[i]) * (output[i] - input[i])) }
        #expect(network.lastVariance == 0.25)
        #expect(abs(sums.reconstruction - 0.5 * (6 * log(2 * Double.pi * 0.25) + squared / 0.25)) < 1e-4)
    }

    @Test func flooredVarianceIsTheMeanSquaredErrorOrTheFloorWhicheverIsLarger() throws {
        let input = FloatBuffer([0.5, -1, 2, 1, 0, -0.5])
        var variances: [Float] = []
        for variance in [DecoderVariance.fitted, .fittedAtLeast(1e-9), .fittedAtLeast(1e4)] {
            let (network, workspace) = try network(variance: variance)
            var random = RandomSource(seed: 1)
            _ = network.evaluate(input: input.pointer, target: input.pointer, batch: 2, workspace: workspace,
                                 random: &random)
            variances.append(try #require(network.lastVariance))
        }
        #expect(variances[1] == variances[0] && variances[0] < 1e4)
        #expect(variances[2] == 1e4)
    }

    @Test func gaussianDecoderOutputsAreNotSquashed() throws {
        let (network, workspace) = try network(variance: .fitted)
        // A large z drives a linear decoder far outside [0, 1]; a sigmoid would clamp it.
        let z = FloatBuffer([40, -40, -40, 40])
        let output = network.decode(z.pointer, batch: 2, workspace: workspace, probabilities: true)
        #expect((0..<6).contains { output[$0] < 0 || output[$0] > 1 })
    }

    @Test func architectureRecordsTheLikelihoodAsItsOutputActivation() throws {
        var architecture = Architecture(kind: .vae, input: ImageShape(height: 1, width: 3), hidden: [], zDim: 2)
        #expect(architecture.outputActivation == "sigmoid" && architecture.likelihood == .bernoulli)
        architecture.likelihood = .gaussian
        #expect(architecture.outputActivation == "identity")
        architecture.outputActivation = "tanh"
        #expect(throws: ArchitectureError.self) { try architecture.validate() }
    }
}
