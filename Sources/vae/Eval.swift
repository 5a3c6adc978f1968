import ArgumentParser
import Foundation
import VAEAnalysis
import VAEData
import VAEJSON

extension VAECommand {
    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score a model on its test set: ELBO, importance-weighted log-likelihood, KL per dimension, denoising; or (--embedding) its latent space beside PCA's.",
            // Wrapped by hand within 80 columns: argument-parser does not wrap the usage it generates.
            usage: """
                vae eval <model> [--importance-samples <k>] [--noise <p>] [--seed <n>]
                    [--json] [--data <dir>] [--dataset <dataset>] [--limit <n>]
                    [--threads <n>]
                vae eval <model> --embedding [--embedding-points <n>] [--fit-points <n>]
                    [--json] [--data <dir>] [--dataset <dataset>] [--limit <n>]
                    [--threads <n>]
                """,
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

                With --embedding it judges instead the model's latent space (mu of each image; the code of an AE) as \
                the dimension-reduction literature does (Sainburg, McInnes & Gentner 2021), beside PCA with as many \
                components, each figure with scikit-learn's definition: trustworthiness and continuity at k = 5 and \
                10 on the first --embedding-points test images, the input space being their pixels in [0, 1] \
                (a table model's: its standardised features; Euclidean); the accuracy of 1-NN and 5-NN classifiers fitted on the embedding of the first \
                --fit-points training images and scored on every test image (ties between labels go to the \
                smallest); the silhouette of the labels on the same points as trustworthiness; and the reconstruction \
                MSE per pixel on every test image: the model decoded from mu (probabilities), PCA's mean plus \
                projection (not clipped to [0, 1], as scikit-learn's inverse_transform). PCA is fitted on the first \
                --fit-points training images. A model trained on one class is judged on that class only.
                """
        )

        @OptionGroup var input: AnalysisInputOptions

        // Optional, so that --embedding can refuse them when given; their defaults are in the help.
        @Option(help: "k, importance samples per image (VAE only; default 5000).")
        var importanceSamples: Int?

        @Option(help: "Also measure denoising with the trainer's noise at this fraction.")
        var noise: Float?

        @Option(help: "Seed of every draw (default 1).")
        var seed: UInt64?

        @Flag(help: "Judge the latent space as an embedding, beside PCA, instead of the bounds.")
        var embedding = false

        @Option(help: ArgumentHelp(
            "With --embedding: the first N test images for trustworthiness, continuity and silhouette (default \(EmbeddingEvaluator.defaultEmbeddingPoints)).",
            valueName: "N"))
        var embeddingPoints: Int?

        @Option(help: ArgumentHelp(
            "With --embedding: the first N training images fit PCA and the kNN classifiers (default \(EmbeddingEvaluator.defaultFitPoints)).",
            valueName: "N"))
        var fitPoints: Int?

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func validate() throws {
            if embedding {
                let bounds = [("--importance-samples", importanceSamples != nil), ("--noise", noise != nil), ("--seed", seed != nil)]
                if let given = bounds.first(where: \.1) {
                    throw ValidationError("\(given.0) is for the bounds (not with --embedding)")
                }
                let minimum = EmbeddingEvaluator.minimumEmbeddingPoints
                if let embeddingPoints, embeddingPoints < minimum {
                    throw ValidationError("--embedding-points must be at least \(minimum), as trustworthiness at k = 10 needs more than 20 points (got \(embeddingPoints))")
                }
                if let fitPoints, fitPoints < 5 {
                    throw ValidationError("--fit-points must be at least 5, for the 5-NN classifier (got \(fitPoints))")
                }
            } else if let given = [("--embedding-points", embeddingPoints != nil), ("--fit-points", fitPoints != nil)].first(where: \.1) {
                throw ValidationError("\(given.0) is for --embedding")
            }
        }

        func run() throws {
            if embedding { return try runEmbedding() }
            let importanceSamples = importanceSamples ?? 5000, seed = seed ?? 1
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

        func runEmbedding() throws {
            let model = try input.loadModel()
            let (training, test) = try AnalysisArguments.analysis { () throws(AnalysisError) in
                try model.trainingAndTestSets(dataset: input.dataset, directory: input.data, limit: input.limit)
            }
            let evaluation = try AnalysisArguments.analysis { () throws(AnalysisError) in
                try EmbeddingEvaluator.evaluate(
                    model, training: training, test: test,
                    embeddingPoints: embeddingPoints ?? EmbeddingEvaluator.defaultEmbeddingPoints,
                    fitPoints: fitPoints ?? EmbeddingEvaluator.defaultFitPoints, threads: input.threads)
            }
            let report = EmbeddingReport(evaluation, of: model, path: input.model)
            print(json ? report.json.jsonText : report.text)
        }
    }
}
