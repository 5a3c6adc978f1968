import Foundation
import VAECore
import VAEData
import VAEModel
import VAENumerics

/// The importance-weighted estimate of log p(x) (Burda et al. 2015) and the k-sample ELBO, from the same draws.
///
/// For each image, k codes z_i ~ q(z|x) give weights w_i = p(x|z_i) p(z_i) / q(z_i|x), and
/// log p(x) ≥ log (1/k) Σ w_i ≥ (1/k) Σ log w_i = the ELBO estimate. p(x|z) is the model's likelihood: Bernoulli
/// under the decoder's logits (the negative BCE the trainer minimises; on grey images, as in the papers, the
/// continuous relaxation), or Gaussian at the variance the model records. Sums are in Double and combined by a streaming log-sum-exp.
///
/// Image i draws its noise from its own stream of `seed`, so its estimate does not depend on the batch size, on
/// `--limit` or on the other images, and the draws for k samples are the first k of those for any larger k.
package struct ImportanceWeightedBound: Sendable {
    /// Images averaged over.
    let imageCount: Int
    /// k, the samples per image.
    package let samples: Int
    /// Mean over the images of log (1/k) Σ w_i, in nats (the bound on log p(x); higher is tighter).
    package let logLikelihood: Double
    /// Mean over the images of (1/k) Σ log w_i, in nats (the ELBO estimated with k samples).
    package let elbo: Double

    /// Estimates the bound for `network` (a VAE) on the clean images of `dataset`.
    ///
    /// - Parameters:
    ///   - samples: k ≥ 1.
    ///   - capacity: rows per decoder pass; images share passes when k is small.
    package init(network: Network, dataset: Dataset, samples: Int, seed: UInt64, capacity: Int = 1024, threads: Int = 1) {
        precondition(network.architecture.kind == .vae, "the importance-weighted bound needs a VAE")
        precondition(samples >= 1, "at least one sample per image")
        let codes = EncodedSet(network: network, dataset: dataset, threads: threads)
        let zDim = codes.zDim, pixels = dataset.shape.pixelCount, count = dataset.count
        let logVariances = codes.logVariances!
        let workspace = Workspace(network: network, capacity: capacity, threads: threads)
        let z = workspace.z.pointer

        var targets = [Float](repeating: 0, count: pixels)
        var logSumExp = LogSumExp()
        var sumLogWeights = 0.0
        var totalBound = 0.0, totalELBO = 0.0
        // Per row of the current batch: the log of p(z)/q(z|x), then the decoder adds log p(x|z).
        var latentLogRatio = [Double](repeating: 0, count: capacity)
        var image = 0, drawn = 0
        var noise = NormalStream(seed: seed, stream: Self.stream(image: 0))

        targets.withUnsafeMutableBufferPointer { dataset.copyRows(0..<min(1, count), into: $0.baseAddress!) }
        while image < count {
            // Fill a batch with the next rows (image, sample), in order; remember each row's image.
            var rows = 0
            var rowImage = [Int]()
            rowImage.reserveCapacity(capacity)
            var fillImage = image, fillDrawn = drawn
            var fillNoise = noise
            while rows < capacity && fillImage < count {
                var logRatio = 0.0
                for j in 0..<zDim {
                    let mu = codes.means[fillImage * zDim + j], logvar = logVariances[fillImage * zDim + j]
                    let epsilon = fillNoise.next()
                    let value = mu + epsilon * expf32(0.5 * logvar)
                    z[rows * zDim + j] = value
                    // log N(z; 0, 1) − log N(z; mu, σ²) with (z − mu)/σ = ε; the log 2π terms cancel.
                    logRatio += -0.5 * Double(value) * Double(value) + 0.5 * Double(epsilon) * Double(epsilon)
                        + 0.5 * Double(logvar)
                }
                latentLogRatio[rows] = logRatio
                rowImage.append(fillImage)
                rows += 1
                fillDrawn += 1
                if fillDrawn == samples {
                    fillImage += 1
                    fillDrawn = 0
                    fillNoise = NormalStream(seed: seed, stream: Self.stream(image: fillImage))
                }
            }
            let logits = network.decode(z, batch: rows, workspace: workspace, probabilities: false)
            for r in 0..<rows {
                precondition(rowImage[r] == image, "rows must follow the images in order")
                let negativeLogLikelihood = targets.withUnsafeBufferPointer {
                    network.negativeLogLikelihood(output: logits + r * pixels, target: $0.baseAddress!, count: pixels)
                }
                let logWeight = -negativeLogLikelihood + latentLogRatio[r]
                logSumExp.add(logWeight)
                sumLogWeights += logWeight
                drawn += 1
                if drawn == samples {
                    totalBound += logSumExp.value - log(Double(samples))
                    totalELBO += sumLogWeights / Double(samples)
                    logSumExp = LogSumExp()
                    sumLogWeights = 0
                    drawn = 0
                    image += 1
                    if image < count {
                        targets.withUnsafeMutableBufferPointer {
                            dataset.copyRows(image..<(image + 1), into: $0.baseAddress!)
                        }
                    }
                }
            }
            noise = fillNoise
        }
        imageCount = count
        self.samples = samples
        logLikelihood = totalBound / Double(max(count, 1))
        elbo = totalELBO / Double(max(count, 1))
    }

    /// The random stream of image `index`.
    static func stream(image index: Int) -> UInt64 { 0x1A3E_0000_0000 + UInt64(index) }
}

/// log Σ exp(x_i) over values added one at a time, without overflow.
struct LogSumExp {
    private var maximum = -Double.infinity
    private var scaledSum = 0.0

    mutating func add(_ x: Double) {
        if x <= maximum {
            scaledSum += exp(x - maximum)
        } else {
            scaledSum = scaledSum * exp(maximum - x) + 1
            maximum = x
        }
    }

    var value: Double { maximum + log(scaledSum) }
}

/// N(0, 1) draws one at a time from a seeded stream; the sequence does not depend on how many are asked at once.
struct NormalStream {
    var random: RandomSource
    var spare: Float?

    init(seed: UInt64, stream: UInt64) { random = RandomSource(seed: seed, stream: stream) }

    mutating func next() -> Float {
        if let value = spare {
            spare = nil
            return value
        }
        let (a, b) = random.nextNormalPair()
        spare = b
        return a
    }
}
