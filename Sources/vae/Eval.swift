import ArgumentParser
import Foundation
import VAEAnalysis
import VAEData
import VAEJSON

extension VAECommand {
    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score a model on its test set: ELBO, importance-weighted log-likelihood, KL per dimension, denoising.",
            discussion: """
                All losses are per test image, in nats, on clean images: the negative ELBO with one z per image \
                (the trainer's test loss) and estimated from the k importance samples; the importance-weighted \
                bound of Burda et al., −log p(x) ≤ −log (1/k) Σ p(x, z_i)/q(z_i|x); the BCE and PSNR of the \
                reconstruction decoded from mu; the mean KL to the prior per dimension and the count of active \
                dimensions (variance of mu > 0.01). With --noise P the test images are also corrupted with the \
                trainer's noise and the reconstructions of the corrupted images are scored against the clean ones \
                (BCE and PSNR; the noisy input's own PSNR for reference). An AE has no q(z|x) or prior: those \
                values are n/a (null in JSON), as is a figure that cannot be computed (NaN or infinite, which JSON \
                cannot express). Every draw is seeded (--seed). The importance samples cost one decoder \
                pass each: k = 5000 on the 10,000 Fashion-MNIST test images takes minutes; use --limit for less.
                """
        )

        @OptionGroup var input: AnalysisInputOptions

        @Option(help: "k, importance samples per image (VAE only).")
        var importanceSamples: Int = 5000

        @Option(help: "Also measure denoising with the trainer's noise at this fraction.")
        var noise: Float?

        @Option(help: "Seed of every draw.")
        var seed: UInt64 = 1

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            guard importanceSamples >= 1 else { throw userError("--importance-samples must be at least 1 (got \(importanceSamples))") }
            var corruption: NoiseCorruption?
            if let noise {
                do { corruption = try NoiseCorruption(fraction: noise) } catch { throw userError("--noise: \(error)") }
            }
            let model = try input.loadModel()
            let test = try input.testSet(of: model)
            let result = ModelEvaluator.evaluate(
                model, on: test, importanceSamples: importanceSamples, noise: corruption, seed: seed, threads: input.threads)
            let report = EvaluationReport(result, of: model, path: input.model)
            print(json ? report.json.jsonText : report.text)
        }
    }
}
