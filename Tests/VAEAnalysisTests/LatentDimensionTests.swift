import Testing
import VAEAnalysis
import VAEModel

@Suite("Active units and the seed's decoder measure")
struct LatentDimensionTests {
    /// Makes dimensions `dead` of a VAE unused: mu and logvar constant 0 (the prior) and no decoder weight on them;
    /// the other dimensions' mu is scaled up so that it clearly varies.
    func kill(_ dead: Set<Int>, in network: Network) {
        let zDim = network.architecture.zDim, width = network.architecture.hidden.last!
        let muWeight = network.tensor(named: "mu.weight")!, muBias = network.tensor(named: "mu.bias")!
        var weights = network.values(of: muWeight), biases = network.values(of: muBias)
        for j in 0..<zDim {
            for i in 0..<width { weights[j * width + i] = dead.contains(j) ? 0 : weights[j * width + i] * 20 }
            if dead.contains(j) { biases[j] = 0 }
        }
        network.setValues(weights, of: muWeight)
        network.setValues(biases, of: muBias)
        if network.architecture.kind == .vae {
            let logvarWeight = network.tensor(named: "logvar.weight")!, logvarBias = network.tensor(named: "logvar.bias")!
            var lw = network.values(of: logvarWeight), lb = network.values(of: logvarBias)
            for j in dead {
                for i in 0..<width { lw[j * width + i] = 0 }
                lb[j] = 0
            }
            network.setValues(lw, of: logvarWeight)
            network.setValues(lb, of: logvarBias)
        }
        let decoder = network.tensor(named: "decoder.0.weight")!
        var dw = network.values(of: decoder)
        for row in 0..<decoder.shape[0] {
            for j in dead { dw[row * zDim + j] = 0 }
        }
        network.setValues(dw, of: decoder)
    }

    @Test(arguments: [Architecture.Kind.vae, .ae])
    func findsExactlyTheDeadDimensions(kind: Architecture.Kind) {
        let network = TestNetworks.network(kind: kind, zDim: 7)
        let dead: Set<Int> = [1, 4, 5]
        kill(dead, in: network)
        let codes = EncodedSet(network: network, dataset: TestNetworks.dataset(count: 200))
        let statistics = LatentDimensionStatistics(network: network, codes: codes)
        #expect(statistics.activeDimensions() == [0, 2, 3, 6])
        for j in dead {
            #expect(statistics.meanVariance[j] == 0)
            #expect(statistics.decoderColumnSums[j] == 0)
        }
        for j in Set(0..<7).subtracting(dead) {
            #expect(statistics.meanVariance[j] > 0.01)
            #expect(statistics.decoderColumnSums[j] > 0)
        }
        if kind == .vae {
            let kl = statistics.averageKL!
            for j in dead { #expect(kl[j] == 0, "a dimension at the prior has no KL") }
            #expect(Set(statistics.orderByUse.suffix(3)) == dead, "unused dimensions sort last")
        } else {
            #expect(statistics.averageKL == nil, "an AE has no KL")
        }
    }

    @Test func thresholdIsBurdas() {
        let statistics = LatentDimensionStatistics(averageKL: nil, meanVariance: [0.5, 0.0100001, 0.01, 0.001],
                                                   decoderColumnSums: [1, 1, 1, 1])
        #expect(LatentDimensionStatistics.activeThreshold == 0.01)
        #expect(statistics.activeDimensions() == [0, 1])
    }
}
