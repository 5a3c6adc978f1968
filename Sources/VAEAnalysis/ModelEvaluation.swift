import Foundation
import VAECore
import VAEData
import VAEModel
import VAENumerics

/// The numbers `vae eval` reports for a model on a test set. Losses are per image, in nats; values that do not
/// apply to an AE (everything involving q(z|x) or the prior) are nil.
package struct ModelEvaluation: Sendable {
    package var kind: Architecture.Kind
    /// Which negative log-likelihood the reconstruction figures are: BCE or Gaussian.
    package var likelihood: Likelihood = .bernoulli
    package var zDim: Int
    package var images: Int
    /// The negative ELBO with one z per image and the KL in closed form (the trainer's test loss on clean images).
    package var negativeELBO: Double?
    /// The negative ELBO estimated from the k importance samples (−(1/k) Σ log w_i).
    package var negativeELBOSampled: Double?
    /// k.
    package var importanceSamples: Int?
    /// −log (1/k) Σ w_i: the importance-weighted estimate of −log p(x), an upper bound on the true value.
    package var importanceWeightedNLL: Double?
    /// −log p(x | decoded mu) (from the code, for an AE): the BCE, or the Gaussian NLL at the model's variance.
    package var reconstructionNLL: Double
    /// The mean squared error per value of that reconstruction (in the model's normalised units).
    package var reconstructionMSE: Double = 0
    /// PSNR (dB) of that reconstruction: 10·log10(1 / MSE), MSE over all pixels of all images, values in [0, 1];
    /// NaN for a table model.
    var reconstructionPSNR: Double
    /// Mean KL(q(z_j|x) ‖ N(0, 1)) per dimension.
    var klPerDimension: [Double]?
    /// Variance of mu per dimension over the test set.
    package var meanVariance: [Double]
    /// Dimensions whose mu varies more than 0.01 (Burda et al.).
    var activeUnits: Int
    /// The corruption of the denoising test, if any.
    package var noise: Double?
    /// −log p(clean | decoded mu of the corrupted image), as `reconstructionNLL`.
    var denoisingNLL: Double?
    /// PSNR (dB) of that reconstruction against the clean image.
    var denoisingPSNR: Double?
    /// PSNR (dB) of the corrupted input itself against the clean image: what denoising starts from.
    var noisyInputPSNR: Double?

    var totalKL: Double? { klPerDimension?.reduce(0, +) }
}

/// Computes a `ModelEvaluation`.
package enum ModelEvaluator {
    /// Evaluates `model` on `test`.
    ///
    /// - Parameters:
    ///   - importanceSamples: k for the importance-weighted bound (VAE only).
    ///   - noise: when set, also measures denoising: corrupted inputs, scored against the clean images.
    ///   - seed: seeds every draw (the one-sample ELBO's z, the importance samples, the corruption).
    package static func evaluate(
        _ model: StudiedModel, on test: Dataset, importanceSamples: Int, noise: NoiseCorruption?, seed: UInt64,
        threads: Int = 1
    ) -> ModelEvaluation {
        let network = model.network
        let n = Double(test.count), pixels = test.shape.pixelCount
        let codes = EncodedSet(network: network, dataset: test, threads: threads)
        let dimensions = LatentDimensionStatistics(network: network, codes: codes)
        let clean = unitImages(test)

        var result = ModelEvaluation(
            kind: network.architecture.kind, likelihood: network.architecture.likelihood, zDim: model.zDim,
            images: test.count, reconstructionNLL: 0, reconstructionPSNR: 0, klPerDimension: dimensions.averageKL,
            meanVariance: dimensions.meanVariance, activeUnits: dimensions.activeDimensions().count)

        let inference = Inference(network: network, capacity: 500, threads: threads)
        let reconstruction = reconstructionError(inference, inputs: clean, targets: clean, pixels: pixels)
        result.reconstructionNLL = reconstruction.negativeLogLikelihood / n
        result.reconstructionMSE = reconstruction.squaredError / (n * Double(pixels))
        // A table's standardised values have no peak value for a PSNR.
        result.reconstructionPSNR = model.isTable ? .nan : psnr(meanSquaredError: result.reconstructionMSE)

        if model.isVariational {
            var random = RandomSource(seed: seed, stream: 0xE1B0)
            let workspace = Workspace(network: network, capacity: 500, threads: threads)
            var sums = LossSums()
            clean.withUnsafeBufferPointer { images in
                for first in stride(from: 0, to: test.count, by: 500) {
                    let rows = min(500, test.count - first)
                    let batch = images.baseAddress! + first * pixels
                    sums += network.evaluate(input: batch, target: batch, batch: rows, workspace: workspace, random: &random)
                }
            }
            result.negativeELBO = sums.total / n
            let bound = ImportanceWeightedBound(
                network: network, dataset: test, samples: importanceSamples, seed: seed, threads: threads)
            result.importanceSamples = importanceSamples
            result.importanceWeightedNLL = -bound.logLikelihood
            result.negativeELBOSampled = -bound.elbo
        }

        if let noise {
            var random = RandomSource(seed: seed, stream: 0xD0153)
            let corrupted = noise.applied(to: clean, random: &random)
            let denoised = reconstructionError(inference, inputs: corrupted, targets: clean, pixels: pixels)
            var inputError = 0.0
            for i in 0..<clean.count {
                let d = Double(corrupted[i] - clean[i])
                inputError += d * d
            }
            result.noise = Double(noise.fraction)
            result.denoisingNLL = denoised.negativeLogLikelihood / n
            result.denoisingPSNR = psnr(meanSquaredError: denoised.squaredError / (n * Double(pixels)))
            result.noisyInputPSNR = psnr(meanSquaredError: inputError / (n * Double(pixels)))
        }
        return result
    }

    /// The images as floats in [0, 1].
    static func unitImages(_ dataset: Dataset) -> [Float] {
        dataset.floatValues
    }

    /// Summed negative log-likelihood (the BCE computed stably from the logits, or the Gaussian NLL at the model's
    /// variance) and summed squared error (of the data-space output) of the reconstructions of `inputs` from mu
    /// against `targets`.
    static func reconstructionError(
        _ inference: Inference, inputs: [Float], targets: [Float], pixels: Int
    ) -> (negativeLogLikelihood: Double, squaredError: Double) {
        let network = inference.network
        let outputs = inference.reconstructLogits(inputs)
        var negativeLogLikelihood = 0.0, squared = 0.0
        outputs.withUnsafeBufferPointer { o in
            targets.withUnsafeBufferPointer { t in
                for first in stride(from: 0, to: targets.count, by: pixels * 500) {
                    let count = min(pixels * 500, targets.count - first)
                    negativeLogLikelihood += network.negativeLogLikelihood(
                        output: o.baseAddress! + first, target: t.baseAddress! + first, count: count)
                }
            }
        }
        let bernoulli = network.architecture.likelihood == .bernoulli
        for i in 0..<targets.count {
            let value = bernoulli ? 1 / (1 + exp(-Double(outputs[i]))) : Double(outputs[i])
            let d = value - Double(targets[i])
            squared += d * d
        }
        return (negativeLogLikelihood, squared)
    }

    /// 10·log10(1 / MSE) for values in [0, 1].
    static func psnr(meanSquaredError: Double) -> Double {
        meanSquaredError > 0 ? 10 * log10(1 / meanSquaredError) : .infinity
    }
}
