import VAEData
import VAEModel
import VAENumerics

/// A dataset's latent codes: mu (and logvar for a VAE) of every image, with the images' labels.
package struct EncodedSet: Sendable {
    package let count: Int
    package let zDim: Int
    /// Row-major `count × zDim`.
    package let means: [Float]
    /// Row-major `count × zDim`; nil for an AE, which has no variance.
    package let logVariances: [Float]?
    package let labels: [UInt8]

    package init(count: Int, zDim: Int, means: [Float], logVariances: [Float]?, labels: [UInt8]) {
        precondition(means.count == count * zDim && labels.count == count, "codes and labels disagree in count")
        precondition(logVariances == nil || logVariances!.count == count * zDim, "logvar has the wrong size")
        self.count = count
        self.zDim = zDim
        self.means = means
        self.logVariances = logVariances
        self.labels = labels
    }

    /// Encodes every image of `dataset` (clean) in batches of `batchSize`.
    package init(network: Network, dataset: Dataset, batchSize: Int = 500, threads: Int = 1) {
        let zDim = network.architecture.zDim, headWidth = network.architecture.headWidth
        let pixels = dataset.shape.pixelCount, capacity = max(1, min(batchSize, dataset.count))
        let workspace = Workspace(network: network, capacity: capacity, threads: threads)
        let input = FloatBuffer(count: capacity * pixels)
        var means = [Float](repeating: 0, count: dataset.count * zDim)
        var logVariances: [Float]? = network.architecture.kind == .vae ? [Float](repeating: 0, count: dataset.count * zDim) : nil
        for first in stride(from: 0, to: dataset.count, by: capacity) {
            let rows = min(capacity, dataset.count - first)
            dataset.copyRows(first..<(first + rows), into: input.pointer)
            network.encode(input.pointer, batch: rows, workspace: workspace)
            let head = workspace.head.pointer
            for r in 0..<rows {
                for j in 0..<zDim {
                    means[(first + r) * zDim + j] = head[r * headWidth + j]
                    logVariances?[(first + r) * zDim + j] = head[r * headWidth + zDim + j]
                }
            }
        }
        // Unlabelled data is one class (label 0) for the figures that colour codes by class.
        let labels = dataset.labels ?? [UInt8](repeating: 0, count: dataset.count)
        self.init(count: dataset.count, zDim: zDim, means: means, logVariances: logVariances, labels: labels)
    }

    /// mu of image `index`.
    package func mean(of index: Int) -> ArraySlice<Float> { means[(index * zDim)..<((index + 1) * zDim)] }
}
