import Crypto
import Foundation
import VAEData
import VAEFiles
import VAEFormat

extension Trainer {
    /// The name of the trained model in the output folder.
    static let modelFileName = "model.vaez"

    /// The .vaez metadata of the model as trained so far: architecture, the training record, latent statistics over
    /// the training set, and the producer.
    package func modelMetadata() throws(TrainingError) -> ModelMetadata {
        let latent = trainingSetLatentStatistics()
        let last = history.last
        let training = ModelMetadata.Training(
            dataset: .init(name: data.name, sha256: try datasetDigest(), source: dataSource),
            classLabel: configuration.classFilter,
            noise: exactDouble(configuration.noise),
            epochs: epochsCompleted,
            batchSize: configuration.batchSize,
            lr: exactDouble(configuration.learningRate),
            seed: Int(exactly: configuration.seed),
            finalTrainLoss: last?.trainLoss,
            finalTestLoss: last?.testLoss,
            seconds: history.reduce(0) { $0 + $1.seconds },
            threads: configuration.threads)
        return ModelMetadata(
            architecture: .init(network.architecture), training: training,
            latent: .init(mean: latent.mean.map(exactDouble), std: latent.standardDeviation.map(exactDouble)),
            producer: .init(name: "vae", version: VAEVersion.current, gitCommit: VAEVersion.gitCommit),
            data: dataDescription)
    }

    /// What the model's numbers are: an image of the dataset's classes, its likelihood and, for a Gaussian decoder,
    /// the variance training arrived at.
    var dataDescription: DataDescription {
        let normalisation = data.normalisation.map {
            DataDescription.Normalisation(mean: $0.mean.map(exactDouble), std: $0.standardDeviation.map(exactDouble))
        }
        return DataDescription(
            kind: data.train.layout == .table ? .table : .image, likelihood: network.architecture.likelihood,
            variance: decoderVariance.map(Double.init), normalisation: normalisation,
            features: data.normalisation?.featureNames, classes: data.classNames)
    }

    /// Where the user's own training data came from (nil for a dataset known by name).
    var dataSource: ModelMetadata.Dataset.Source? {
        data.source.map {
            .init(format: $0.format.rawValue, path: $0.path, testPath: $0.testPath, testFraction: $0.testFraction,
                  splitSeed: Int(exactly: $0.seed), labelColumn: $0.labelColumn,
                  resize: $0.resize.map { [$0.height, $0.width] }, channels: $0.channels)
        }
    }

    /// Writes the trained model as `.vaez` (atomically) to `path`, by default `model.vaez` in the output folder.
    @discardableResult
    func exportModel(dtype: TensorDType = .f32, to path: String? = nil) throws(TrainingError) -> String {
        let path = path ?? "\(configuration.outputDirectory)/\(Self.modelFileName)"
        let metadata = try modelMetadata()
        do {
            try VAEZWriter.write(metadata: metadata, tensors: network.contractTensors(), dtype: dtype, to: path)
        } catch {
            throw TrainingError("\(path): \(error)")
        }
        return path
    }

    /// SHA-256 over the dataset's four files, concatenated in their fixed order (train images, train labels,
    /// test images, test labels), exactly as stored: a fingerprint of the data the model saw.
    func datasetDigest() throws(TrainingError) -> String {
        var hash = SHA256()
        for path in data.files {
            do { hash.update(data: try Files.read(path)) } catch { throw TrainingError(error.description) }
        }
        return hash.finalize().map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

/// The value a user typed (Float's shortest decimal), not its binary expansion: 1e-3 stays 0.001 in the metadata.
private func exactDouble(_ value: Float) -> Double { Double(value.description) ?? Double(value) }

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// This build's version, and its git commit when the build recorded one (`VAE_GIT_COMMIT` at run time).
enum VAEVersion {
    package static let current = "0.1.0"

    package static var gitCommit: String? {
        guard let commit = getenv("VAE_GIT_COMMIT").map({ String(cString: $0) }), !commit.isEmpty else { return nil }
        return commit
    }
}
