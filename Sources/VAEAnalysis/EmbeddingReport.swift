import Foundation
import VAEJSON

/// `vae eval --embedding`'s report: an embedding evaluation and what was evaluated, as a value written once, as
/// JSON or as a table of the model's figures beside PCA's that fits 80 columns.
///
/// A figure that could not be computed (a silhouette with one label) is `null` in the JSON and `n/a` in the table.
package struct EmbeddingReport: Sendable {
    package var evaluation: EmbeddingEvaluation
    /// The model as the user named it (a file or a training folder).
    package var model: String
    /// "fashion-mnist VAE, z = 2" (`StudiedModel.caption`).
    package var caption: String
    package var dataset: String?
    package var classLabel: Int?
    /// The input space, "pixels in [0, 1]" or "standardised features" (`StudiedModel.inputSpace`).
    package var inputSpace: String
    /// What the decoder gives: "probabilities" or "means".
    package var decodedValues: String
    /// What the items are: "images" or, for a table model, "rows".
    package var items: String

    package init(_ evaluation: EmbeddingEvaluation, of studied: StudiedModel, path: String) {
        self.evaluation = evaluation
        model = path
        caption = studied.caption
        dataset = studied.metadata.training.dataset.name
        classLabel = studied.classLabel
        inputSpace = studied.inputSpace
        decodedValues = studied.decodedValues
        items = studied.isTable ? "rows" : "images"
    }

    package var json: JSONValue {
        let r = evaluation
        func figures(_ f: EmbeddingEvaluation.Figures, extra: [JSONMember] = []) -> JSONValue {
            func byK(_ ks: [Int], _ values: [Double]?) -> JSONValue {
                guard let values else { return .null }
                return .array(zip(ks, values).map { JSONValue.object(["k": .int($0), "value": .double($1)]) })
            }
            return .object([
                JSONMember(key: "trustworthiness", value: byK(r.neighbours, f.trustworthiness)),
                JSONMember(key: "continuity", value: byK(r.neighbours, f.continuity)),
                JSONMember(key: "knn_accuracy", value: byK(r.classifierNeighbours, f.nearestNeighbourAccuracy)),
                JSONMember(key: "silhouette", value: .double(f.silhouette)),
                JSONMember(key: "reconstruction_mse", value: .double(f.reconstructionMSE)),
            ] + extra)
        }
        return .object([
            "model": .string(model),
            "kind": .string(r.kind.rawValue),
            "dataset": .string(dataset),
            "class": .int(classLabel),
            "z_dim": .int(r.zDim),
            "test_images": .int(r.testImages),
            "embedding_points": .int(r.embeddingPoints),
            "training_images": .int(r.trainingImages),
            "fit_points": .int(r.fitPoints),
            "neighbours": .array(r.neighbours.map { .int($0) }),
            "classifier_neighbours": .array(r.classifierNeighbours.map { .int($0) }),
            "protocol": .object([
                "input_space": .string("test items' \(inputSpace), Euclidean"),
                "trustworthiness_continuity_silhouette": .string("first \(r.embeddingPoints) test images"),
                "pca_fitted_on": .string("training split, first \(r.fitPoints) images"),
                "knn_fitted_on": .string("training split embedding, first \(r.fitPoints) images"),
                "knn_scored_on": .string("test split embedding, all \(r.testImages) images"),
                "reconstruction": .string(
                    "all \(r.testImages) test items; model: decoded from mu (\(decodedValues)); PCA: mean + projection, not clipped"),
            ]),
            "embeddings": .object([
                "model": figures(r.model),
                "pca": figures(r.pca, extra: [
                    JSONMember(key: "explained_variance_ratio", value: .doubles(r.pcaExplainedVariance)),
                ]),
            ]),
        ])
    }

    package var text: String {
        let r = evaluation
        let header = [
            ("model", caption),
            ("file", model),
            ("test \(items)", "\(r.testImages); the first \(r.embeddingPoints) for trustworthiness,"),
            ("", "continuity and silhouette (input: \(inputSpace))"),
            ("fitted on", "the first \(r.fitPoints) of \(r.trainingImages) training \(items)"),
        ] + (r.model.nearestNeighbourAccuracy == nil
            ? [("", "(PCA)"), ("labels", "none: no kNN accuracy or silhouette")]
            : [("", "(PCA, and the kNN classifiers on each embedding)")])
        var lines = header.map { $0.0.padding(toLength: 24, withPad: " ", startingAt: 0) + $0.1 }
        func cell(_ x: Double?) -> String {
            let text = x.map { $0.isFinite ? String(format: "%.4f", $0) : "n/a" } ?? "n/a"
            return String(repeating: " ", count: max(0, 10 - text.count)) + text
        }
        func row(_ name: String, _ model: String, _ pca: String) -> String {
            name.padding(toLength: 26, withPad: " ", startingAt: 0) + model + pca
        }
        lines += ["", row("", "     model", "       PCA")]
        for (c, k) in r.neighbours.enumerated() {
            lines.append(row("trustworthiness, k = \(k)", cell(r.model.trustworthiness[c]), cell(r.pca.trustworthiness[c])))
        }
        for (c, k) in r.neighbours.enumerated() {
            lines.append(row("continuity, k = \(k)", cell(r.model.continuity[c]), cell(r.pca.continuity[c])))
        }
        for (c, k) in r.classifierNeighbours.enumerated() {
            lines.append(row(
                "\(k)-NN accuracy", cell(r.model.nearestNeighbourAccuracy?[c]), cell(r.pca.nearestNeighbourAccuracy?[c])))
        }
        lines.append(row("silhouette", cell(r.model.silhouette), cell(r.pca.silhouette)))
        lines.append(row("reconstruction MSE", cell(r.model.reconstructionMSE), cell(r.pca.reconstructionMSE)))
        lines.append(row("variance explained", String(repeating: " ", count: 10), cell(r.pcaExplainedVariance.reduce(0, +))))
        return lines.joined(separator: "\n")
    }
}
