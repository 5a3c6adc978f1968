import Foundation
import Testing
import VAETestSupport

@Suite("vae eval --embedding, run as a user would")
struct EmbeddingCommandTests {
    let vae = builtExecutable("vae")

    /// A small model trained on synthetic data (64 training and 24 test images of 4 classes, 2 epochs); returns its
    /// run folder and the data folder.
    func trainedRun(model: String = "vae", zDim: Int = 2) throws -> (run: String, data: String) {
        let data = temporaryDirectory()
        try writeSyntheticDataset(to: data, trainCount: 64, testCount: 24)
        let run = temporaryDirectory() + "/run"
        let result = try runCommand(vae, ["train", "--dataset", "mnist", "--data-dir", data, "--model", model,
                                          "--hidden", "32,16", "--z-dim", "\(zDim)", "--epochs", "2", "--out", run,
                                          "--threads", "1"],
                                    directory: temporaryDirectory())
        #expect(result.status == 0, "stderr: \(result.standardError)")
        return (run, data)
    }

    func succeeding(_ arguments: [String]) throws -> CommandResult {
        let result = try runCommand(vae, arguments, directory: temporaryDirectory())
        #expect(result.status == 0, "vae \(arguments.joined(separator: " ")): \(result.standardError)")
        return result
    }

    /// Checks one embedding's figures in the JSON report: present, numbers, in their ranges.
    func checkFigures(_ figures: [String: Any], name: String) throws {
        for key in ["trustworthiness", "continuity"] {
            let values = try #require(figures[key] as? [[String: Any]], "\(name) \(key)")
            #expect(values.map { $0["k"] as? Int } == [5, 10], "\(name) \(key) k")
            for value in values {
                let v = try #require(value["value"] as? Double, "\(name) \(key) is a number")
                #expect(v >= 0 && v <= 1, "\(name) \(key) = \(v)")
            }
        }
        let accuracy = try #require(figures["knn_accuracy"] as? [[String: Any]], "\(name) knn_accuracy")
        #expect(accuracy.map { $0["k"] as? Int } == [1, 5])
        for value in accuracy {
            let v = try #require(value["value"] as? Double)
            // 24 test images: an accuracy is a whole number of them.
            #expect(v >= 0 && v <= 1 && abs(v * 24 - (v * 24).rounded()) < 1e-9, "\(name) accuracy \(v)")
        }
        let silhouette = try #require(figures["silhouette"] as? Double, "\(name) silhouette")
        #expect(silhouette >= -1 && silhouette <= 1)
        let mse = try #require(figures["reconstruction_mse"] as? Double, "\(name) reconstruction_mse")
        #expect(mse > 0 && mse < 1)
    }

    @Test(arguments: ["vae", "ae"])
    func jsonHasEveryFigureInRange(model: String) throws {
        let (run, data) = try trainedRun(model: model)
        let result = try succeeding(["eval", run, "--data", data, "--embedding", "--json", "--threads", "2"])
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(report["kind"] as? String == model && report["z_dim"] as? Int == 2)
        #expect(report["test_images"] as? Int == 24 && report["embedding_points"] as? Int == 24)
        #expect(report["training_images"] as? Int == 64 && report["fit_points"] as? Int == 64)
        #expect(report["neighbours"] as? [Int] == [5, 10] && report["classifier_neighbours"] as? [Int] == [1, 5])
        let protocol_ = try #require(report["protocol"] as? [String: String])
        #expect(protocol_["pca_fitted_on"] == "training split, first 64 images")
        #expect(protocol_["knn_scored_on"] == "test split embedding, all 24 images")
        let embeddings = try #require(report["embeddings"] as? [String: Any])
        try checkFigures(try #require(embeddings["model"] as? [String: Any]), name: "model")
        let pca = try #require(embeddings["pca"] as? [String: Any])
        try checkFigures(pca, name: "pca")
        let explained = try #require(pca["explained_variance_ratio"] as? [Double])
        #expect(explained.count == 2 && explained[0] >= explained[1] && explained.reduce(0, +) <= 1)
    }

    @Test func optionsSetThePointCountsAndTheTableFits80Columns() throws {
        let (run, data) = try trainedRun()
        let json = try succeeding(["eval", run, "--data", data, "--embedding", "--embedding-points", "21",
                                   "--fit-points", "40", "--json"])
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        #expect(report["embedding_points"] as? Int == 21 && report["fit_points"] as? Int == 40)
        #expect(report["test_images"] as? Int == 24 && report["training_images"] as? Int == 64)

        let text = try succeeding(["eval", run, "--data", data, "--embedding"]).standardOutput
        for line in text.split(separator: "\n") { #expect(line.count <= 80, "too wide: \(line)") }
        #expect(text.contains("the first 64 of 64 training images"))
        for row in ["trustworthiness, k = 5", "trustworthiness, k = 10", "continuity, k = 10", "1-NN accuracy",
                    "5-NN accuracy", "silhouette", "reconstruction MSE"] {
            let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(row) }, "row \(row)")
            // Two figures with 4 decimals: the model's and PCA's.
            #expect(line.split(separator: " ").suffix(2).allSatisfy { $0.split(separator: ".").last?.count == 4 },
                    "\(line)")
        }
    }

    @Test func usageErrorsNameTheOptionAndExit64() throws {
        let (run, data) = try trainedRun()
        let cases: [([String], String)] = [
            (["--embedding", "--embedding-points", "0"], "--embedding-points must be at least 21"),
            (["--embedding", "--embedding-points", "20"], "--embedding-points must be at least 21"),
            (["--embedding", "--fit-points", "0"], "--fit-points must be at least 5"),
            (["--embedding-points", "100"], "--embedding-points is for --embedding"),
            (["--fit-points", "100"], "--fit-points is for --embedding"),
            (["--embedding", "--importance-samples", "10"], "--importance-samples is for the bounds"),
            (["--embedding", "--noise", "0.1"], "--noise is for the bounds"),
            (["--embedding", "--seed", "3"], "--seed is for the bounds"),
        ]
        for (options, message) in cases {
            let result = try runCommand(vae, ["eval", run, "--data", data] + options, directory: temporaryDirectory())
            #expect(result.status == 64, "\(options): \(result.standardError)")
            #expect(result.standardError.contains(message), "\(options): stderr was \(result.standardError)")
        }
        // Too few test images for k = 10 is a problem with the data, not the command line: one line, exit 1.
        let few = try runCommand(vae, ["eval", run, "--data", data, "--embedding", "--limit", "12"],
                                 directory: temporaryDirectory())
        #expect(few.status == 1)
        #expect(few.standardError.contains("needs at least 21 test images; there are 12"), "\(few.standardError)")
        #expect(few.standardError.split(separator: "\n").count == 1, "one line: \(few.standardError)")
    }
}
