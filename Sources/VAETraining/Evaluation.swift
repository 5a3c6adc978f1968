import VAECore
import VAEData
import VAEModel
import VAENumerics

/// Scores a network on a dataset: the summed loss with one z sample per image, and the latent statistics of mu.
///
/// The same random stream gives the same noise and the same z for every call, so two models (say a model and its
/// f16 export) are compared on identical draws.
package struct Evaluation {
    package let network: Network
    package let workspace: Workspace
    let input: FloatBuffer
    let target: FloatBuffer

    package init(network: Network, batchSize: Int, threads: Int = 1) {
        self.network = network
        workspace = Workspace(network: network, capacity: batchSize, threads: threads)
        input = FloatBuffer(count: batchSize * network.architecture.input.pixelCount)
        target = FloatBuffer(count: batchSize * network.architecture.input.pixelCount)
    }

    /// Loss sums over `dataset` (inputs corrupted by `noise`, scored against the clean images), drawing noise and
    /// z from `random`.
    package func run(on dataset: Dataset, noise: NoiseCorruption, random: inout RandomSource) -> (losses: LossSums, latent: LatentStatistics) {
        let pixels = dataset.shape.pixelCount, batchSize = workspace.capacity
        let target = target.pointer, corrupted = input.pointer
        var losses = LossSums()
        var latent = LatentStatistics.Accumulator(zDim: network.architecture.zDim)
        for first in stride(from: 0, to: dataset.count, by: batchSize) {
            let rows = min(batchSize, dataset.count - first)
            dataset.copyRows(first..<(first + rows), into: target)
            var batchInput = UnsafePointer(target)
            if noise.fraction > 0 {
                corrupted.update(from: target, count: rows * pixels)
                noise.apply(to: corrupted, count: rows * pixels, random: &random)
                batchInput = UnsafePointer(corrupted)
            }
            losses += network.evaluate(input: batchInput, target: target, batch: rows, workspace: workspace,
                                       random: &random)
            latent.add(head: workspace.head.pointer, rows: rows, stride: network.architecture.headWidth)
        }
        return (losses, latent.statistics)
    }

    /// Mean and standard deviation of mu over `dataset` (clean images, encoder only).
    func latentStatistics(of dataset: Dataset) -> LatentStatistics {
        let batchSize = workspace.capacity
        var latent = LatentStatistics.Accumulator(zDim: network.architecture.zDim)
        for first in stride(from: 0, to: dataset.count, by: batchSize) {
            let rows = min(batchSize, dataset.count - first)
            dataset.copyRows(first..<(first + rows), into: input.pointer)
            network.encode(input.pointer, batch: rows, workspace: workspace)
            latent.add(head: workspace.head.pointer, rows: rows, stride: network.architecture.headWidth)
        }
        return latent.statistics
    }

    /// The stream the trainer uses to score epoch `epoch` of a run seeded `seed`.
    static func testStream(seed: UInt64, epoch: Int) -> RandomSource {
        RandomSource(seed: seed, stream: 0x7E57_0000 + UInt64(epoch))
    }
}

@available(*, unavailable)
extension Evaluation: Sendable {}
