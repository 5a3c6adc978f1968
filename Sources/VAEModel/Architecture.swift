import VAECore

/// What a model is: a variational or a plain autoencoder, with its layer sizes.
///
/// Encoder: input → hidden… (ReLU) → mu (and logvar for a VAE). Decoder: z → reversed hidden… (ReLU) → input,
/// with a sigmoid output (Bernoulli likelihood) or none (Gaussian). Weights are PyTorch-style `[out, in]`.
public struct Architecture: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Variational autoencoder: encodes a Gaussian q(z|x) and samples z from it.
        case vae
        /// Plain autoencoder: z = mu, loss is reconstruction only.
        case ae
    }

    public var kind: Kind
    public var input: ImageShape
    public var hidden: [Int]
    public var zDim: Int
    public var activation: String = "relu"
    /// `"sigmoid"` (Bernoulli likelihood) or `"identity"` (Gaussian); see `likelihood`.
    public var outputActivation: String = Likelihood.bernoulli.outputActivation

    public init(kind: Kind, input: ImageShape, hidden: [Int], zDim: Int) {
        self.kind = kind
        self.input = input
        self.hidden = hidden
        self.zDim = zDim
    }

    /// Checks every size; the message names the first bad one.
    package func validate() throws(ArchitectureError) {
        guard zDim >= 1 else { throw ArchitectureError("z_dim must be at least 1 (got \(zDim))") }
        guard input.height >= 1, input.width >= 1, input.channels >= 1 else {
            throw ArchitectureError("input shape must be positive (got \(input.height)×\(input.width)×\(input.channels))")
        }
        if let bad = hidden.first(where: { $0 < 1 }) {
            throw ArchitectureError("hidden layer sizes must be at least 1 (got \(bad))")
        }
        guard activation == "relu", Likelihood(outputActivation: outputActivation) != nil else {
            throw ArchitectureError("only relu hidden activations with a sigmoid or identity output are supported (got \(activation) and \(outputActivation))")
        }
    }

    /// The likelihood the output activation stands for (Bernoulli for an activation `validate` refuses).
    package var likelihood: Likelihood {
        get { Likelihood(outputActivation: outputActivation) ?? .bernoulli }
        set { outputActivation = newValue.outputActivation }
    }

    /// Width of the encoder head: mu and logvar side by side for a VAE, mu alone for an AE.
    package var headWidth: Int { kind == .vae ? 2 * zDim : zDim }

    /// Every tensor the model has, in storage order, with PyTorch-style names and `[out, in]` shapes.
    package var tensors: [TensorSpec] { ParameterLayout(self).tensors }

    /// Total number of trainable values.
    package var parameterCount: Int { ParameterLayout(self).parameterCount }
}

package struct ArchitectureError: Error, CustomStringConvertible, Sendable, Equatable {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// One named tensor of the model and where it lives in the contiguous parameter buffer.
package struct TensorSpec: Sendable, Hashable {
    package let name: String
    package let shape: [Int]
    package let offset: Int

    package var count: Int { shape.reduce(1, *) }
}
