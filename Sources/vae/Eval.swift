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
                values are n/a (null in JSON). Every draw is seeded (--seed). The importance samples cost one decoder \
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
            print(json ? jsonReport(result, model: model) : textReport(result, model: model))
        }

        func jsonReport(_ r: ModelEvaluation, model: StudiedModel) -> String {
            var w = JSONWriter()
            func key(_ name: String) { w.raw(w.bytes.count > 1 ? ",\"\(name)\":" : "\"\(name)\":") }
            func number(_ name: String, _ value: Double?) {
                key(name)
                if let value { w.double(value) } else { w.raw("null") }
            }
            func numbers(_ name: String, _ values: [Double]?) {
                key(name)
                guard let values else { return w.raw("null") }
                w.raw("[")
                for (i, v) in values.enumerated() {
                    if i > 0 { w.raw(",") }
                    w.double(v)
                }
                w.raw("]")
            }
            w.raw("{")
            key("model")
            w.string(input.model)
            key("kind")
            w.string(r.kind.rawValue)
            key("dataset")
            if let name = model.metadata.training.dataset.name { w.string(name) } else { w.raw("null") }
            key("class")
            if let label = model.classLabel { w.int(label) } else { w.raw("null") }
            key("z_dim")
            w.int(r.zDim)
            key("images")
            w.int(r.images)
            number("negative_elbo", r.negativeELBO)
            number("negative_elbo_k", r.negativeELBOSampled)
            key("importance_samples")
            if let k = r.importanceSamples { w.int(k) } else { w.raw("null") }
            number("iw_nll", r.importanceWeightedNLL)
            number("reconstruction_bce", r.reconstructionBCE)
            number("reconstruction_psnr", r.reconstructionPSNR)
            numbers("kl_per_dimension", r.klPerDimension)
            number("total_kl", r.totalKL)
            numbers("mu_variance", r.meanVariance)
            key("active_units")
            w.int(r.activeUnits)
            number("noise", r.noise)
            number("denoising_bce", r.denoisingBCE)
            number("denoising_psnr", r.denoisingPSNR)
            number("noisy_input_psnr", r.noisyInputPSNR)
            w.raw("}")
            return String(decoding: w.bytes, as: UTF8.self)
        }

        func textReport(_ r: ModelEvaluation, model: StudiedModel) -> String {
            func value(_ x: Double?, _ digits: Int = 3, unit: String = "") -> String {
                x.map { String(format: "%.\(digits)f", $0) + unit } ?? "n/a (AE)"
            }
            let k = r.importanceSamples.map(String.init) ?? "k"
            var rows: [(String, String)] = [
                ("model", "\(model.caption) (\(input.model))"),
                ("test images", "\(r.images)"),
                ("negative ELBO, 1 sample", value(r.negativeELBO)),
                ("negative ELBO, \(k) samples", value(r.negativeELBOSampled)),
                ("−log p(x), IW bound, k = \(k)", value(r.importanceWeightedNLL)),
                ("reconstruction BCE from mu", value(r.reconstructionBCE)),
                ("reconstruction PSNR", value(r.reconstructionPSNR, 2, unit: " dB")),
                ("KL, total", value(r.totalKL)),
                ("KL per dimension", r.klPerDimension.map { "[" + $0.map { String(format: "%.3f", $0) }.joined(separator: ", ") + "]" } ?? "n/a (AE)"),
                ("active units (var mu > 0.01)", "\(r.activeUnits) of \(r.zDim)"),
            ]
            if let noise = r.noise {
                rows += [
                    ("denoising BCE, noise \(SVGText.label(noise))", value(r.denoisingBCE)),
                    ("denoising PSNR", value(r.denoisingPSNR, 2, unit: " dB")),
                    ("noisy input PSNR", value(r.noisyInputPSNR, 2, unit: " dB")),
                ]
            }
            let width = rows.map(\.0.count).max()!
            return rows.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
        }
    }
}
