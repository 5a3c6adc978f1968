import Testing
import VAECore
import VAEModel
import VAENumerics

@Suite("Whole-model loss gradients against finite differences")
struct NetworkGradientTests {
    func check(_ kind: Architecture.Kind, hidden: [Int]) throws {
        let architecture = Architecture(kind: kind, input: ImageShape(height: 3, width: 2), hidden: hidden, zDim: 2)
        let network = try Network(architecture: architecture)
        var initRandom = RandomSource(seed: 11)
        network.initializeParameters(using: &initRandom)
        let batch = 4
        let workspace = Workspace(network: network, capacity: batch)
        var dataRandom = RandomSource(seed: 12)
        let input = FloatBuffer((0..<(batch * 6)).map { _ in dataRandom.nextUnitFloat() })
        let target = FloatBuffer((0..<(batch * 6)).map { _ in dataRandom.nextUnitFloat() })

        // The same noise ε for every evaluation: a fresh generator with one seed.
        func loss() -> Double {
            var random = RandomSource(seed: 99)
            return network.evaluate(input: input.pointer, target: target.pointer, batch: batch,
                                    workspace: workspace, random: &random).total
        }
        var random = RandomSource(seed: 99)
        let losses = network.computeGradients(input: input.pointer, target: target.pointer, batch: batch,
                                              workspace: workspace, random: &random)
        #expect(abs(losses.total - loss()) < 1e-4, "evaluate and computeGradients disagree on the loss")
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
}
