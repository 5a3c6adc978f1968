import VAECore
import VAEJSON
import VAEModel

/// The metadata section of a `.vaez` file (Formats/vaez.md section 6.1): what the model is, how it was trained, its
/// latent statistics and who wrote it.
///
/// `Codable` with the spec's snake_case keys. Keys this version does not know are kept in `document` (the whole
/// object as read), so a model read and written again keeps them: minor versions add metadata keys that older
/// readers must carry along.
public struct ModelMetadata: Codable, Sendable, Hashable {
    /// `architecture`: everything needed to rebuild the network.
    public struct ArchitectureInfo: Codable, Sendable, Hashable {
        public var kind: Architecture.Kind
        public var input: Input
        /// Encoder hidden widths, input side first; may be empty.
        public var hidden: [Int]
        public var zDim: Int
        /// Hidden activation, e.g. `"relu"`.
        public var activation: String
        /// Output activation, e.g. `"sigmoid"`.
        public var outputActivation: String

        public init(
            kind: Architecture.Kind, input: Input, hidden: [Int], zDim: Int, activation: String = "relu",
            outputActivation: String = "sigmoid"
        ) {
            self.kind = kind
            self.input = input
            self.hidden = hidden
            self.zDim = zDim
            self.activation = activation
            self.outputActivation = outputActivation
        }

        /// The record of a model architecture.
        public init(_ architecture: Architecture) {
            self.init(
                kind: architecture.kind,
                input: Input(
                    height: architecture.input.height, width: architecture.input.width,
                    channels: architecture.input.channels),
                hidden: architecture.hidden, zDim: architecture.zDim, activation: architecture.activation,
                outputActivation: architecture.outputActivation)
        }

        /// The model architecture this record describes (`Network` validates what it supports).
        public var modelArchitecture: Architecture {
            var architecture = Architecture(
                kind: kind, input: ImageShape(height: input.height, width: input.width, channels: input.channels),
                hidden: hidden, zDim: zDim)
            architecture.activation = activation
            architecture.outputActivation = outputActivation
            return architecture
        }

        enum CodingKeys: String, CodingKey {
            case kind, input, hidden, activation
            case zDim = "z_dim"
            case outputActivation = "output_activation"
        }
    }

    /// `architecture.input`: the image shape.
    public struct Input: Codable, Sendable, Hashable {
        public var height: Int
        public var width: Int
        public var channels: Int

        public init(height: Int, width: Int, channels: Int) {
            self.height = height
            self.width = width
            self.channels = channels
        }
    }

    /// `training`: the training record. Every value may be null (an imported model has no record).
    public struct Training: Codable, Sendable, Hashable {
        public var dataset: Dataset
        /// `class`: the class trained on; nil for all classes.
        public var classLabel: Int?
        public var noise: Double?
        public var epochs: Int?
        public var batchSize: Int?
        public var lr: Double?
        public var seed: Int?
        public var finalTrainLoss: Double?
        public var finalTestLoss: Double?
        /// Training wall time.
        public var seconds: Double?
        public var threads: Int?

        public init(
            dataset: Dataset = Dataset(), classLabel: Int? = nil, noise: Double? = nil, epochs: Int? = nil,
            batchSize: Int? = nil, lr: Double? = nil, seed: Int? = nil, finalTrainLoss: Double? = nil,
            finalTestLoss: Double? = nil, seconds: Double? = nil, threads: Int? = nil
        ) {
            self.dataset = dataset
            self.classLabel = classLabel
            self.noise = noise
            self.epochs = epochs
            self.batchSize = batchSize
            self.lr = lr
            self.seed = seed
            self.finalTrainLoss = finalTrainLoss
            self.finalTestLoss = finalTestLoss
            self.seconds = seconds
            self.threads = threads
        }

        enum CodingKeys: String, CodingKey {
            case dataset, noise, epochs, lr, seed, seconds, threads
            case classLabel = "class"
            case batchSize = "batch_size"
            case finalTrainLoss = "final_train_loss"
            case finalTestLoss = "final_test_loss"
        }

        // Nullable keys are still required keys: encode nil as null rather than leaving the key out.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(dataset, forKey: .dataset)
            try container.encode(classLabel, forKey: .classLabel)
            try container.encode(noise, forKey: .noise)
            try container.encode(epochs, forKey: .epochs)
            try container.encode(batchSize, forKey: .batchSize)
            try container.encode(lr, forKey: .lr)
            try container.encode(seed, forKey: .seed)
            try container.encode(finalTrainLoss, forKey: .finalTrainLoss)
            try container.encode(finalTestLoss, forKey: .finalTestLoss)
            try container.encode(seconds, forKey: .seconds)
            try container.encode(threads, forKey: .threads)
        }
    }

    /// `training.dataset`.
    public struct Dataset: Codable, Sendable, Hashable {
        /// `training.dataset.source` (format 1.1): where the training data came from. Provenance only: the format
        /// checks the types, nothing reads it to run the model.
        public struct Source: Codable, Sendable, Hashable {
            /// How the data was read, e.g. `"idx"`, `"image-folder"`, `"npy"`, `"npz"`, `"csv"`.
            public var format: String
            /// The training data as given to the trainer.
            public var path: String
            /// Separate test data, if any.
            public var testPath: String?
            /// The share held out for testing when there is no `testPath`.
            public var testFraction: Double?
            /// The seed of that split.
            public var splitSeed: Int?
            /// A table's label column (not a feature).
            public var labelColumn: String?
            /// `[height, width]` images were resized to.
            public var resize: [Int]?
            /// The channels images were converted to.
            public var channels: Int?

            public init(
                format: String, path: String, testPath: String? = nil, testFraction: Double? = nil,
                splitSeed: Int? = nil, labelColumn: String? = nil, resize: [Int]? = nil, channels: Int? = nil
            ) {
                self.format = format
                self.path = path
                self.testPath = testPath
                self.testFraction = testFraction
                self.splitSeed = splitSeed
                self.labelColumn = labelColumn
                self.resize = resize
                self.channels = channels
            }

            enum CodingKeys: String, CodingKey {
                case format, path, resize, channels
                case testPath = "test_path"
                case testFraction = "test_fraction"
                case splitSeed = "split_seed"
                case labelColumn = "label_column"
            }

            // Every key is required when `source` is present: encode nil as null.
            public func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(format, forKey: .format)
                try container.encode(path, forKey: .path)
                try container.encode(testPath, forKey: .testPath)
                try container.encode(testFraction, forKey: .testFraction)
                try container.encode(splitSeed, forKey: .splitSeed)
                try container.encode(labelColumn, forKey: .labelColumn)
                try container.encode(resize, forKey: .resize)
                try container.encode(channels, forKey: .channels)
            }
        }

        /// e.g. `"fashion-mnist"`.
        public var name: String?
        /// Hex SHA-256 of the dataset files' combined bytes.
        public var sha256: String?
        /// Where the data came from; nil when not recorded (the key is then absent, as in every 1.0 file).
        public var source: Source?

        public init(name: String? = nil, sha256: String? = nil, source: Source? = nil) {
            self.name = name
            self.sha256 = sha256
            self.source = source
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(sha256, forKey: .sha256)
            try container.encodeIfPresent(source, forKey: .source)
        }
    }

    /// `latent`: per-dimension statistics of the encoded training set (z_dim values each).
    public struct Latent: Codable, Sendable, Hashable {
        public var mean: [Double]
        public var std: [Double]

        public init(mean: [Double], std: [Double]) {
            self.mean = mean
            self.std = std
        }

        /// The prior N(0, I), for a model without measured statistics.
        public static func prior(zDim: Int) -> Latent {
            Latent(mean: Array(repeating: 0, count: zDim), std: Array(repeating: 1, count: zDim))
        }
    }

    /// `producer`: the program that wrote the file.
    public struct Producer: Codable, Sendable, Hashable {
        public var name: String
        public var version: String
        /// Hex commit of the producer, if known.
        public var gitCommit: String?

        public init(name: String, version: String, gitCommit: String? = nil) {
            self.name = name
            self.version = version
            self.gitCommit = gitCommit
        }

        enum CodingKeys: String, CodingKey {
            case name, version
            case gitCommit = "git_commit"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(version, forKey: .version)
            try container.encode(gitCommit, forKey: .gitCommit)
        }
    }

    public var architecture: ArchitectureInfo
    public var training: Training
    public var latent: Latent
    public var producer: Producer
    /// `YYYY-MM-DDTHH:MM:SSZ`. The writer replaces it by an explicit time or `SOURCE_DATE_EPOCH` when given.
    public var created: String
    /// `data` (format 1.1): what the model's values are; nil when the file has none (every 1.0 file), which
    /// means `DataDescription.unrecorded` (see `dataDescription`). The writer writes version 1.1 exactly when
    /// this is set.
    public var data: DataDescription?
    /// The whole metadata object as read, unknown keys included; nil for metadata built in code.
    ///
    /// The writer starts from this object and overwrites the known keys with the typed values above.
    public var document: JSONValue? = nil

    public init(
        architecture: ArchitectureInfo, training: Training = Training(), latent: Latent, producer: Producer,
        created: String = "", data: DataDescription? = nil, document: JSONValue? = nil
    ) {
        self.architecture = architecture
        self.training = training
        self.latent = latent
        self.producer = producer
        self.created = created
        self.data = data
        self.document = document
    }

    enum CodingKeys: String, CodingKey {
        case architecture, training, latent, producer, created, data
    }
}
