import Testing
import VAEAnalysis
import VAEModel

@Suite("The importance-weighted bound")
struct ImportanceWeightedBoundTests {
    let network = TestNetworks.network(kind: .vae, zDim: 4, seed: 9)
    let images = TestNetworks.dataset(count: 24)

    @Test func isAtLeastTheELBOAndTightensWithK() {
        var previous = -Double.infinity
        for k in [1, 5, 50, 500] {
            let bound = ImportanceWeightedBound(network: network, dataset: images, samples: k, seed: 4)
            #expect(bound.logLikelihood >= bound.elbo, "k = \(k): log mean w ≥ mean log w")
            #expect(bound.logLikelihood > previous, "k = \(k): \(bound.logLikelihood) should beat \(previous)")
            if k == 1 { #expect(abs(bound.logLikelihood - bound.elbo) < 1e-9, "one sample: the bound is the ELBO") }
            previous = bound.logLikelihood
        }
    }

    @Test func exceedsTheClosedFormELBOByAMargin() {
        let evaluation = ModelEvaluator.evaluate(
            StudiedModel(network: network), on: images, importanceSamples: 200, noise: nil, seed: 2)
        #expect(-evaluation.importanceWeightedNLL! > -evaluation.negativeELBO!)
        #expect(evaluation.importanceWeightedNLL! < evaluation.negativeELBOSampled!)
    }

    @Test func doesNotDependOnBatchingOrOnOtherImages() {
        let wide = ImportanceWeightedBound(network: network, dataset: images, samples: 30, seed: 4, capacity: 1024)
        let narrow = ImportanceWeightedBound(network: network, dataset: images, samples: 30, seed: 4, capacity: 7)
        #expect(abs(wide.logLikelihood - narrow.logLikelihood) < 1e-3, "GEMM blocking may change the last bits only")
        let again = ImportanceWeightedBound(network: network, dataset: images, samples: 30, seed: 4)
        #expect(again.logLikelihood == wide.logLikelihood, "same seed, same number")
        let other = ImportanceWeightedBound(network: network, dataset: images, samples: 30, seed: 5)
        #expect(other.logLikelihood != wide.logLikelihood, "another seed, other draws")
    }
}
