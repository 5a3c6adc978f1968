/// `data` (format 1.1, Formats/vaez.md section 6.1.1): what the numbers a model reads and writes are, so that every
/// program that runs it feeds it and reads it the same way.
///
/// Optional in the file: a model without it (every 1.0 file) is a Bernoulli image model without normalisation or
/// names, `DataDescription.unrecorded`. `Codable` with the spec's keys; nil values are written as null, because
/// every key of `data` is required when `data` is there.
public struct DataDescription: Codable, Sendable, Hashable {
    /// `data.kind`.
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        /// Row-major height × width × channels, channels interleaved (as PNG), each value a byte / 255.
        case image
        /// One row of `width` numbers (height and channels are 1), in the order of `features`.
        case table
    }

    /// `data.likelihood`: the decoder's distribution of each value.
    public enum Likelihood: String, Codable, Sendable, Hashable, CaseIterable {
        /// Values in [0, 1]; the sigmoid output is each value's mean.
        case bernoulli
        /// N(output, variance) for each normalised value; the output activation is the identity.
        case gaussian

        /// The `architecture.output_activation` this likelihood goes with: `"sigmoid"` or `"identity"`.
        public var outputActivation: String {
            switch self {
            case .bernoulli: "sigmoid"
            case .gaussian: "identity"
            }
        }
    }

    /// `data.normalisation`: the network's input is `(x − mean) / std`, a decoded value `mean + std · output`.
    public struct Normalisation: Codable, Sendable, Hashable {
        /// One value per input value (height × width × channels).
        public var mean: [Double]
        /// One value per input value, each > 0.
        public var std: [Double]

        public init(mean: [Double], std: [Double]) {
            self.mean = mean
            self.std = std
        }
    }

    public var kind: Kind
    public var likelihood: Likelihood
    /// σ² of the Gaussian decoder per value, in normalised units; nil for a Bernoulli likelihood.
    public var variance: Double?
    /// nil: the input is used as it is.
    public var normalisation: Normalisation?
    /// A table's column names, one per input value.
    public var features: [String]?
    /// Class names by label index, at most 256.
    public var classes: [String]?

    public init(
        kind: Kind = .image, likelihood: Likelihood = .bernoulli, variance: Double? = nil,
        normalisation: Normalisation? = nil, features: [String]? = nil, classes: [String]? = nil
    ) {
        self.kind = kind
        self.likelihood = likelihood
        self.variance = variance
        self.normalisation = normalisation
        self.features = features
        self.classes = classes
    }

    /// What a model without `data` means (every 1.0 file): a Bernoulli image model, no normalisation, no names.
    public static let unrecorded = DataDescription()

    /// The most class names `classes` may hold: labels fit in a byte.
    public static let maximumClasses = 256

    // Every key is required when `data` is present: encode nil as null rather than leaving the key out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(likelihood, forKey: .likelihood)
        try container.encode(variance, forKey: .variance)
        try container.encode(normalisation, forKey: .normalisation)
        try container.encode(features, forKey: .features)
        try container.encode(classes, forKey: .classes)
    }
}

extension ModelMetadata {
    /// `data`, or what a model without it means (`DataDescription.unrecorded`).
    public var dataDescription: DataDescription { data ?? .unrecorded }
}
