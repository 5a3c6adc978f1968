import Foundation
import VAEJSON

/// `vae eval`'s report: an evaluation and what was evaluated, as a value written once, as JSON or as an aligned
/// table.
///
/// What does not apply to the model (the terms with q(z|x) or the prior, for an AE) is `null` in the JSON and
/// `n/a` in the table; so is a figure that could not be computed (NaN or infinite).
package struct EvaluationReport: Sendable {
    package var evaluation: ModelEvaluation
    /// The model as the user named it (a file or a training folder).
    package var model: String
    /// "fashion-mnist VAE, z = 2" (`StudiedModel.caption`).
    package var caption: String
    /// The dataset the model's metadata names, if any.
    package var dataset: String?
    /// The class the model was trained on, if any.
    package var classLabel: Int?
    /// What the test items are: "images" or, for a table model, "rows".
    package var items = "images"

    package init(evaluation: ModelEvaluation, model: String, caption: String, dataset: String?, classLabel: Int?) {
        self.evaluation = evaluation
        self.model = model
        self.caption = caption
        self.dataset = dataset
        self.classLabel = classLabel
    }

    /// The report of `evaluation` of `studied`, read from `path`.
    package init(_ evaluation: ModelEvaluation, of studied: StudiedModel, path: String) {
        self.init(
            evaluation: evaluation, model: path, caption: studied.caption,
            dataset: studied.metadata.training.dataset.name, classLabel: studied.classLabel)
        items = studied.isTable ? "rows" : "images"
    }

    package var json: JSONValue {
        let r = evaluation
        return .object([
            "model": .string(model),
            "kind": .string(r.kind.rawValue),
            "dataset": .string(dataset),
            "class": .int(classLabel),
            "z_dim": .int(r.zDim),
            "images": .int(r.images),
            "negative_elbo": .double(r.negativeELBO),
            "negative_elbo_k": .double(r.negativeELBOSampled),
            "importance_samples": .int(r.importanceSamples),
            "iw_nll": .double(r.importanceWeightedNLL),
            // A Bernoulli model's negative log-likelihood is its BCE, under the name it always had.
            r.likelihood == .bernoulli ? "reconstruction_bce" : "reconstruction_nll": .double(r.reconstructionNLL),
            "reconstruction_mse": .double(r.reconstructionMSE),
            "reconstruction_psnr": .double(r.reconstructionPSNR),
            "kl_per_dimension": r.klPerDimension.map(JSONValue.doubles) ?? .null,
            "total_kl": .double(r.totalKL),
            "mu_variance": .doubles(r.meanVariance),
            "active_units": .int(r.activeUnits),
            "noise": .double(r.noise),
            r.likelihood == .bernoulli ? "denoising_bce" : "denoising_nll": .double(r.denoisingNLL),
            "denoising_psnr": .double(r.denoisingPSNR),
            "noisy_input_psnr": .double(r.noisyInputPSNR),
        ])
    }

    package var text: String {
        let r = evaluation
        func value(_ x: Double?, _ digits: Int = 3, unit: String = "") -> String {
            guard let x else { return "n/a (AE)" }
            return x.isFinite ? String(format: "%.\(digits)f", x) + unit : "n/a"
        }
        let k = r.importanceSamples.map(String.init) ?? "k"
        let nll = r.likelihood == .bernoulli ? "BCE" : "Gaussian NLL"
        var rows: [(String, String)] = [
            ("model", "\(caption) (\(model))"),
            ("test \(items)", "\(r.images)"),
            ("negative ELBO, 1 sample", value(r.negativeELBO)),
            ("negative ELBO, \(k) samples", value(r.negativeELBOSampled)),
            ("−log p(x), IW bound, k = \(k)", value(r.importanceWeightedNLL)),
            ("reconstruction \(nll) from mu", value(r.reconstructionNLL)),
            ("reconstruction MSE", String(format: "%.5f", r.reconstructionMSE)),
            ("reconstruction PSNR", value(r.reconstructionPSNR, 2, unit: " dB")),
            ("KL, total", value(r.totalKL)),
            (
                "KL per dimension",
                r.klPerDimension.map { "[" + $0.map { value($0) }.joined(separator: ", ") + "]" } ?? "n/a (AE)"
            ),
            ("active units (var mu > 0.01)", "\(r.activeUnits) of \(r.zDim)"),
        ]
        if let noise = r.noise {
            rows += [
                ("denoising \(nll), noise \(SVGText.label(noise))", value(r.denoisingNLL)),
                ("denoising PSNR", value(r.denoisingPSNR, 2, unit: " dB")),
                ("noisy input PSNR", value(r.noisyInputPSNR, 2, unit: " dB")),
            ]
        }
        let width = rows.map(\.0.count).max()!
        return rows.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }
            .joined(separator: "\n")
    }
}
