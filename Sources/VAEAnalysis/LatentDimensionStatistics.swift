import Foundation
import VAEModel

/// Per latent dimension: how much the model uses it ("manifold dimension discovery").
///
/// A VAE switches off dimensions it does not need: their posterior collapses to the prior, so mu stops varying
/// across images and their KL to the prior drops to zero. Burda et al. (2015) count a dimension as *active* when the
/// variance of mu over the data exceeds 0.01. The seed project measured the same thing through the decoder: the
/// absolute column sums of its first layer's weights, which shrink for dimensions the decoder ignores.
package struct LatentDimensionStatistics: Sendable {
    /// Burda et al.'s activity threshold on the variance of mu.
    package static let activeThreshold = 0.01

    /// Mean over the images of KL(q(z_j|x) ‖ N(0, 1)) per dimension, in nats; nil for an AE.
    package let averageKL: [Double]?
    /// Variance of mu_j across the images (population variance).
    package let meanVariance: [Double]
    /// Σ_i |W_ij| of the decoder's first layer (`decoder.0.weight`, shape [out, z]) per dimension j.
    package let decoderColumnSums: [Double]

    package init(averageKL: [Double]?, meanVariance: [Double], decoderColumnSums: [Double]) {
        self.averageKL = averageKL
        self.meanVariance = meanVariance
        self.decoderColumnSums = decoderColumnSums
    }

    /// Measures `network` on the codes of a dataset.
    package init(network: Network, codes: EncodedSet) {
        let zDim = codes.zDim, n = Double(max(codes.count, 1))
        var sum = [Double](repeating: 0, count: zDim), sumSquares = sum, kl = sum
        for i in 0..<codes.count {
            for j in 0..<zDim {
                let mu = Double(codes.means[i * zDim + j])
                sum[j] += mu
                sumSquares[j] += mu * mu
                if let logvar = codes.logVariances?[i * zDim + j] {
                    let lv = Double(logvar)
                    kl[j] += -0.5 * (1 + lv - mu * mu - exp(lv))
                }
            }
        }
        meanVariance = (0..<zDim).map { max(sumSquares[$0] / n - (sum[$0] / n) * (sum[$0] / n), 0) }
        averageKL = codes.logVariances == nil ? nil : kl.map { $0 / n }
        decoderColumnSums = Self.firstDecoderLayerColumnSums(network)
    }

    /// The seed's measure: absolute column sums of the decoder's first weight matrix.
    static func firstDecoderLayerColumnSums(_ network: Network) -> [Double] {
        let layer = network.layout.decoder[0]
        var sums = [Double](repeating: 0, count: layer.inputs)
        let weights = network.parameters.pointer + layer.weightOffset
        for row in 0..<layer.outputs {
            for column in 0..<layer.inputs { sums[column] += Double(abs(weights[row * layer.inputs + column])) }
        }
        return sums
    }

    package var zDim: Int { meanVariance.count }

    /// The dimensions whose mu varies more than `threshold` across the images, in index order.
    package func activeDimensions(threshold: Double = activeThreshold) -> [Int] {
        meanVariance.indices.filter { meanVariance[$0] > threshold }
    }

    /// Dimension indices, most used first: by average KL for a VAE, by the variance of mu for an AE (ties by index).
    package var orderByUse: [Int] {
        let key = averageKL ?? meanVariance
        return key.indices.sorted { key[$0] != key[$1] ? key[$0] > key[$1] : $0 < $1 }
    }
}
