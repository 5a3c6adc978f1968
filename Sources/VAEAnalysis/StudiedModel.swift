import VAEData
import VAEFormat
import VAEModel

/// A trained model under analysis: its network, what its metadata says about it, and how to find its test set.
package final class StudiedModel {
    package let network: Network
    package let metadata: ModelMetadata

    /// - Throws: `ArchitectureError` or `VAEZError` when the file's network cannot be built.
    package init(file: VAEZFile) throws {
        network = try Network.load(file, trainable: false)
        metadata = file.metadata
    }

    /// A model built in code (tests), with prior latent statistics unless given.
    package init(network: Network, metadata: ModelMetadata? = nil) {
        self.network = network
        self.metadata = metadata ?? ModelMetadata(
            architecture: .init(network.architecture), latent: .prior(zDim: network.architecture.zDim),
            producer: .init(name: "test", version: "0"))
    }

    package var architecture: Architecture { network.architecture }
    package var zDim: Int { network.architecture.zDim }
    var isVariational: Bool { network.architecture.kind == .vae }

    /// The dataset the model was trained on, from its metadata; nil when the file does not record a known one.
    var datasetKind: DatasetKind? { metadata.training.dataset.name.flatMap(DatasetKind.init(argument:)) }

    /// The class the model was trained on (`--class`), if any.
    package var classLabel: Int? { metadata.training.classLabel }

    /// The training set's latent mean and standard deviation per dimension, as the file records them.
    var latentMean: [Float] { metadata.latent.mean.map(Float.init) }
    var latentStandardDeviation: [Float] { metadata.latent.std.map(Float.init) }

    /// A short description for titles: "fashion-mnist VAE, z = 2" (with the class when trained on one).
    package var caption: String {
        var text = "\(metadata.training.dataset.name ?? "model") \(architecture.kind.rawValue.uppercased()), z = \(zDim)"
        if let classLabel {
            let names = datasetKind?.classNames ?? []
            text += classLabel < names.count ? " (\(names[classLabel]) only)" : " (class \(classLabel) only)"
        }
        return text
    }

    /// The test images the model is analysed on: its dataset's test split (only its class, if it was trained on
    /// one), the first `limit` of them.
    ///
    /// - Parameters:
    ///   - dataset: overrides the dataset named in the metadata (for imported models that record none).
    ///   - directory: where the IDX files are (default: the dataset's usual place).
    /// - Throws: `AnalysisError` naming the missing dataset, file or class, or a shape that does not fit the model.
    package func testSet(dataset: DatasetKind? = nil, directory: String? = nil, limit: Int? = nil) throws(AnalysisError) -> Dataset {
        try loadSets(dataset: dataset, directory: directory, limit: limit, training: false).test
    }

    /// The model's training split and test split, selected as `testSet` selects the test split (only the model's
    /// class, if it was trained on one; the training split whole, the test split's first `limit` images), from one
    /// reading of the files.
    ///
    /// - Throws: `AnalysisError` as `testSet` does.
    package func trainingAndTestSets(
        dataset: DatasetKind? = nil, directory: String? = nil, limit: Int? = nil
    ) throws(AnalysisError) -> (training: Dataset, test: Dataset) {
        let sets = try loadSets(dataset: dataset, directory: directory, limit: limit, training: true)
        return (sets.training!, sets.test)
    }

    /// Reads the dataset's files once; the training split only when `training`.
    private func loadSets(
        dataset: DatasetKind?, directory: String?, limit: Int?, training: Bool
    ) throws(AnalysisError) -> (training: Dataset?, test: Dataset) {
        guard let kind = dataset ?? datasetKind else {
            throw AnalysisError("the model does not record a known dataset (it says \(metadata.training.dataset.name.map { "'\($0)'" } ?? "nothing")); pass --dataset mnist or fashion-mnist")
        }
        if let limit, limit < 1 { throw AnalysisError("--limit must be at least 1 (got \(limit))") }
        let split: DatasetSplit
        do {
            split = try DatasetLoader.load(kind, from: directory)
        } catch {
            throw AnalysisError(error.description)
        }
        var test = try selected(split.test, named: "test", of: kind)
        if let limit { test = test.prefix(limit) }
        var trainingSet: Dataset?
        if training { trainingSet = try selected(split.train, named: "training", of: kind) }
        return (trainingSet, test)
    }

    /// `set`'s images of the model's class (all when it has none), checked against the model's input shape.
    private func selected(_ set: Dataset, named name: String, of kind: DatasetKind) throws(AnalysisError) -> Dataset {
        var set = set
        if let classLabel {
            set = set.filtered(toClass: classLabel)
            guard set.count > 0 else { throw AnalysisError("the \(name) set of \(kind.rawValue) has no images of class \(classLabel), the class this model was trained on") }
        }
        guard set.shape == architecture.input else {
            throw AnalysisError("the \(name) images are \(set.shape.height)×\(set.shape.width)×\(set.shape.channels) but the model takes \(architecture.input.height)×\(architecture.input.width)×\(architecture.input.channels)")
        }
        return set
    }

    /// The class names of the model's dataset, or the labels as numbers when it is unknown.
    package func classNames(dataset: DatasetKind? = nil) -> [String] {
        (dataset ?? datasetKind)?.classNames ?? (0..<256).map(String.init)
    }
}

@available(*, unavailable)
extension StudiedModel: Sendable {}
