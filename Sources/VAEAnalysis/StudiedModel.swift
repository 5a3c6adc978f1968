import VAEData
import VAEDataImport
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

    /// A model of table rows (format 1.1 `data.kind`), whose decodes are feature values, not images.
    package var isTable: Bool { metadata.data?.kind == .table }

    /// The input space as the reports name it.
    var inputSpace: String { isTable ? "standardised features" : "pixels in [0, 1]" }

    /// What the decoder gives, as the reports name it: a Bernoulli decoder's probabilities or a Gaussian's means.
    var decodedValues: String { architecture.likelihood == .bernoulli ? "probabilities" : "means" }

    /// A table's column names: the recorded features, else `x0`, `x1`, ….
    var featureNames: [String] {
        metadata.data?.features ?? (0..<architecture.input.pixelCount).map { "x\($0)" }
    }

    /// The standardisation the model records for its input (a table's); nil when it reads values as they are.
    var normalisation: FeatureNormalisation? {
        metadata.data?.normalisation.map {
            FeatureNormalisation(mean: $0.mean.map { Float($0) }, standardDeviation: $0.std.map { Float($0) })
        }
    }

    /// Decoded rows in the data's own units: de-standardised when the model records a standardisation.
    func inDataUnits(_ values: [Float]) -> [Float] {
        normalisation?.destandardised(values) ?? values
    }

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
        if dataset == nil, let source = metadata.training.dataset.source {
            return try loadOwnData(source, path: directory, limit: limit, training: training)
        }
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

    /// The user's own data the model was trained on, read again as the trainer read it (`source`), or from `path`
    /// instead of the recorded one; the same split, and for a table the same standardisation, which is checked
    /// against the one the model records.
    private func loadOwnData(
        _ source: ModelMetadata.Dataset.Source, path: String?, limit: Int?, training: Bool
    ) throws(AnalysisError) -> (training: Dataset?, test: Dataset) {
        if let limit, limit < 1 { throw AnalysisError("--limit must be at least 1 (got \(limit))") }
        let path = path ?? source.path
        let recordedFormat = DataSource.Format(rawValue: source.format)
        // Another kind of data than the model's would be refused for options the user never gave (the recorded
        // channels of a folder for a table): say what differs instead.
        if let given = try? DataImport.format(of: path), let recordedFormat, given != recordedFormat {
            throw AnalysisError(
                "\(path) is \(given.description), but the model was trained on \(recordedFormat.description) "
                    + "(\(source.path)); --data says where that data is now. To encode other data: vae embed MODEL DATA")
        }
        // An array's channels and size are its own (the trainer records them only to describe it).
        let isFolder = recordedFormat == .imageFolder
        let options = DataImportOptions(
            channels: isFolder ? source.channels : nil,
            resize: isFolder ? source.resize.flatMap { $0.count == 2 ? DataSource.Size(height: $0[0], width: $0[1]) : nil } : nil,
            testFraction: source.testPath == nil ? source.testFraction : nil, labelColumn: source.labelColumn,
            seed: source.splitSeed.flatMap(UInt64.init(exactly:)) ?? 0)
        let split: DatasetSplit
        do {
            split = try DataImport.load(path, options: options)
        } catch {
            throw AnalysisError("\(error) (the model was trained on \(source.path); --data names where it is now)")
        }
        if let recorded = metadata.data?.normalisation {
            let read = split.normalisation
            let same = read.map { read in
                zip(read.mean, recorded.mean).allSatisfy { abs(Double($0) - $1) <= 1e-5 * max(1, abs($1)) }
                    && zip(read.standardDeviation, recorded.std).allSatisfy { abs(Double($0) - $1) <= 1e-5 * max(1, $1) }
                    && read.mean.count == recorded.mean.count
            } ?? false
            guard same else {
                throw AnalysisError("\(path): its training rows' means and deviations are not the ones the model was trained with; analyse it on the data it was trained on")
            }
        }
        let name = split.name
        var test = try selected(split.test, named: "test", of: name)
        if let limit { test = test.prefix(limit) }
        return (training ? try selected(split.train, named: "training", of: name) : nil, test)
    }

    /// `set`'s images of the model's class (all when it has none), checked against the model's input shape.
    private func selected(_ set: Dataset, named name: String, of kind: DatasetKind) throws(AnalysisError) -> Dataset {
        try selected(set, named: name, of: kind.rawValue)
    }

    private func selected(_ set: Dataset, named name: String, of dataName: String) throws(AnalysisError) -> Dataset {
        var set = set
        if let classLabel {
            set = set.filtered(toClass: classLabel)
            guard set.count > 0 else { throw AnalysisError("the \(name) set of \(dataName) has no images of class \(classLabel), the class this model was trained on") }
        }
        guard set.shape == architecture.input else {
            throw AnalysisError("the \(name) images are \(set.shape.height)×\(set.shape.width)×\(set.shape.channels) but the model takes \(architecture.input.height)×\(architecture.input.width)×\(architecture.input.channels)")
        }
        return set
    }

    /// The class names of the model's dataset (the ones it records, for the user's own data), or the labels as
    /// numbers when they are unknown.
    package func classNames(dataset: DatasetKind? = nil) -> [String] {
        knownClassNames(dataset: dataset) ?? (0..<256).map(String.init)
    }

    /// The class names the model records, or its dataset's; nil when neither is known.
    func knownClassNames(dataset: DatasetKind? = nil) -> [String]? {
        if dataset == nil, let recorded = metadata.data?.classes { return recorded }
        return (dataset ?? datasetKind)?.classNames
    }
}

@available(*, unavailable)
extension StudiedModel: Sendable {}
