/// How the decoder's output is read as a distribution over the data: the reconstruction term of the loss.
public enum Likelihood: String, Sendable, Hashable, Codable, CaseIterable {
    /// Values in [0, 1] (pixels): the decoder gives logits, the data-space output is their sigmoid, and the loss is
    /// the binary cross-entropy.
    case bernoulli
    /// Real values (standardised tables, or images read as intensities): the decoder's raw output is the mean of
    /// N(mean, σ² I), and the loss is the Gaussian negative log-likelihood with the variance `DecoderVariance` sets.
    case gaussian

    /// The decoder's output activation that goes with this likelihood, as the model file records it.
    public var outputActivation: String {
        switch self {
        case .bernoulli: "sigmoid"
        case .gaussian: "identity"
        }
    }

    /// The likelihood whose output activation is `outputActivation`; nil for one no likelihood here uses.
    public init?(outputActivation: String) {
        guard let match = Self.allCases.first(where: { $0.outputActivation == outputActivation }) else { return nil }
        self = match
    }
}

/// How a Gaussian decoder's variance σ² (one value, shared by every output) is chosen.
package enum DecoderVariance: Sendable, Hashable {
    /// σ² = the batch's mean squared error, at least `floor`: the maximum-likelihood variance for the current
    /// reconstructions, the "optimal σ" of Rybkin, Daniilidis & Levine (2021, σ-VAE). It balances the
    /// reconstruction against the KL term by itself, but from the first batch, while the decoder is poor: more latent
    /// units open than the data need and stay open (see `fittedAtLeast`).
    case fitted
    /// σ² = the batch's mean squared error, but at least the given value. Lowering this floor over training from
    /// the data's variance to the noise's (roughly what a σ² learned by gradient from 1 does, Dai & Wipf 2019) lets
    /// the coarse structure claim latent units before the fine, so only as many open as the data need: with σ²
    /// fitted from the first batch the KL is cheap next to an untrained decoder's error and every unit opens.
    case fittedAtLeast(Float)
    /// A fixed σ² (for example the one a trained model records, to score it).
    case fixed(Float)

    /// The smallest fitted variance: keeps 1/σ² finite when a batch is reconstructed exactly.
    package static let floor: Float = 1e-6
}
