import VAECore
import VAEData
import VAEFiles
import VAEImage
import VAEModel
import VAENumerics

/// The pictures written after every epoch: reconstructions, samples, and (for z_dim = 2) the learned manifold.
///
/// The random draws are fixed per seed, so successive epochs show the same inputs and the same z.
struct EpochImages {
    let network: Network
    let shape: ImageShape
    let seed: UInt64
    let workspace: Workspace

    static let reconstructionCount = 8
    static let sampleGrid = 8
    static let manifoldSteps = 20

    /// Whether `name` is one of the files `write` makes: `reconstruction_<e>.png`, `sample_<e>.png`,
    /// `manifold_<e>.png`.
    static func isImage(named name: String) -> Bool {
        name.wholeMatch(of: /(reconstruction|sample|manifold)_[0-9]+\.png/) != nil
    }

    init(network: Network, shape: ImageShape, seed: UInt64) {
        self.network = network
        self.shape = shape
        self.seed = seed
        workspace = Workspace(network: network, capacity: Self.manifoldSteps * Self.manifoldSteps)
    }

    func write(
        epoch: Int, test: Dataset, noise: NoiseCorruption, latent: LatentStatistics, directory: String
    ) throws(DataError) {
        try PNG.write(reconstruction(test: test, noise: noise), to: "\(directory)/reconstruction_\(epoch).png")
        try PNG.write(samples(latent: latent), to: "\(directory)/sample_\(epoch).png")
        if network.architecture.zDim == 2 {
            try PNG.write(manifold(latent: latent), to: "\(directory)/manifold_\(epoch).png")
        }
    }

    /// The first test images (as fed to the model, so corrupted when training with noise) above their
    /// reconstructions decoded from mu; 2-pixel padding.
    func reconstruction(test: Dataset, noise: NoiseCorruption) -> PixelImage {
        let count = min(Self.reconstructionCount, test.count), pixels = shape.pixelCount
        var inputs = test.floatValues(0..<count)
        var random = RandomSource(seed: seed, stream: 0x5EC0)
        inputs = noise.applied(to: inputs, random: &random)
        inputs.withUnsafeBufferPointer { network.encode($0.baseAddress!, batch: count, workspace: workspace) }
        network.latentMeans(batch: count, workspace: workspace)
        let decoded = network.decode(workspace.z.pointer, batch: count, workspace: workspace, probabilities: true)
        let both = inputs + Array(UnsafeBufferPointer(start: decoded, count: count * pixels))
        return ImageGrid(shape: shape, columns: count, padding: 2).render(both)
    }

    /// 8×8 decodes of z = mean + std·ε (the N(0, I) prior for a VAE; the latent statistics for an AE).
    func samples(latent: LatentStatistics) -> PixelImage {
        let count = Self.sampleGrid * Self.sampleGrid, zDim = network.architecture.zDim
        var random = RandomSource(seed: seed, stream: 0x5A3D)
        var z = [Float](repeating: 0, count: count * zDim)
        z.withUnsafeMutableBufferPointer { random.fillNormal($0.baseAddress!, count: $0.count) }
        if network.architecture.kind == .ae {
            for i in 0..<z.count { z[i] = latent.mean[i % zDim] + latent.standardDeviation[i % zDim] * z[i] }
        }
        return ImageGrid(shape: shape, columns: Self.sampleGrid, padding: 2).render(decode(z))
    }

    /// A 20×20 grid over z = Φ⁻¹(linspace(0.05, 0.95, 20)) in both axes, positive z₂ at the top, no padding.
    /// An AE's axes are scaled by its latent statistics.
    func manifold(latent: LatentStatistics) -> PixelImage {
        let steps = Self.manifoldSteps
        let quantiles = linearSpace(from: 0.05, to: 0.95, count: steps).map { Float(normalQuantile($0)) }
        var z: [Float] = []
        for row in 0..<steps {
            for column in 0..<steps {
                var point = [quantiles[column], quantiles[steps - 1 - row]]
                if network.architecture.kind == .ae {
                    point = (0..<2).map { latent.mean[$0] + latent.standardDeviation[$0] * point[$0] }
                }
                z += point
            }
        }
        return ImageGrid(shape: shape, columns: steps, padding: 0).render(decode(z))
    }

    private func decode(_ z: [Float]) -> [Float] {
        let count = z.count / network.architecture.zDim
        let output = z.withUnsafeBufferPointer {
            network.decode($0.baseAddress!, batch: count, workspace: workspace, probabilities: true)
        }
        return Array(UnsafeBufferPointer(start: output, count: count * shape.pixelCount))
    }
}
