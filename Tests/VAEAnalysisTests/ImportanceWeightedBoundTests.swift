import Testing
import VAEAnalysis

/// The mean of `values` and its standard error (sample standard deviation / √n).
func meanAndStandardError(_ values: [Double]) -> (mean: Double, standardError: Double) {
    let n = Double(values.count)
    let mean = values.reduce(0, +) / n
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
    return (mean, (variance / n).squareRoot())
}

/// The bound's ordering claims hold in expectation over the random draws, not for every draw: for one seed, adding
/// samples can lower the estimate. So they are checked over several seeds, as a mean difference more than
/// `margin` standard errors above zero (a paired comparison: each seed's draws for k are the first k of those for
/// larger k). The seeds are fixed, so the outcome is reproducible.
@Suite("The importance-weighted bound")
struct ImportanceWeightedBoundTests {
    let network = TestNetworks.network(kind: .vae, zDim: 4, seed: 9)
    let images = TestNetworks.dataset(count: 24)
    let seeds: [UInt64] = Array(1...8)
    /// Standard errors a mean difference must clear: a chance ordering of the estimates clears 3 rarely.
    let margin = 3.0

    @Test func isAtLeastTheELBOAndTightensWithK() {
        let ks = [1, 5, 50, 500]
        var bounds: [[Double]] = []  // [seed][k]
        for seed in seeds {
            var row: [Double] = []
            for k in ks {
                let bound = ImportanceWeightedBound(network: network, dataset: images, samples: k, seed: seed)
                // log mean w ≥ mean log w holds for every draw (Jensen), not only on average.
                #expect(bound.logLikelihood >= bound.elbo, "seed \(seed), k = \(k): log mean w ≥ mean log w")
                if k == 1 { #expect(abs(bound.logLikelihood - bound.elbo) < 1e-9, "one sample: the bound is the ELBO") }
                row.append(bound.logLikelihood)
            }
            bounds.append(row)
        }
        for i in 1..<ks.count {
            let gain = meanAndStandardError(bounds.map { $0[i] - $0[i - 1] })
            #expect(
                gain.mean > margin * gain.standardError,
                "k = \(ks[i]) against k = \(ks[i - 1]): mean gain \(gain.mean) nats, standard error \(gain.standardError)")
        }
    }

    @Test func exceedsTheClosedFormELBOByAMargin() {
        var gaps: [Double] = []
        for seed in seeds {
            let evaluation = ModelEvaluator.evaluate(
                StudiedModel(network: network), on: images, importanceSamples: 200, noise: nil, seed: seed)
            let bound = -evaluation.importanceWeightedNLL!, elbo = -evaluation.negativeELBO!
            // Against the ELBO of its own draws the bound is higher for every draw (Jensen).
            #expect(evaluation.importanceWeightedNLL! < evaluation.negativeELBOSampled!, "seed \(seed)")
            gaps.append(bound - elbo)
        }
        let gap = meanAndStandardError(gaps)
        #expect(
            gap.mean > margin * gap.standardError,
            "bound − closed-form ELBO: mean \(gap.mean) nats, standard error \(gap.standardError) over \(seeds.count) seeds")
    }

    @Test func doesNotDependOnBatchingOrOnOtherImages() {
        let wide = ImportanceWeightedBound(network: network, dataset: images, samples: 30, seed: 4, capacity: 1024)
        let narrow = ImportanceWeightedBound(network: network, dataset: images, samples: 30, seed: 4, capacity: 7)
        #expect(abs(wide.logLikelihood - narrow.logLikelihood) < 1e-3, "GEMM blocking may change the last bits only")
        let again = ImportanceWeightedBound(network: network, dataset: images, samples: 30, seed: 4)
        #expect(again.logLikelihood == wide.logLikelihood, "same seed and batches, same number")
        let other = ImportanceWeightedBound(network: network, dataset: images, samples: 30, seed: 5)
        #expect(other.logLikelihood != wide.logLikelihood, "another seed, other draws")
    }
}
