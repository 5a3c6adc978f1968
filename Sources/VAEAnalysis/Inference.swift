import VAEModel
import VAENumerics

/// Encoding and decoding of arbitrarily many images or codes, in batches through one preallocated workspace.
package final class Inference {
    package let network: Network
    let workspace: Workspace
    let input: FloatBuffer

    package init(network: Network, capacity: Int = 256, threads: Int = 1) {
        self.network = network
        workspace = Workspace(network: network, capacity: capacity, threads: threads)
        input = FloatBuffer(count: capacity * network.architecture.input.pixelCount)
    }

    var pixels: Int { network.architecture.input.pixelCount }
    var zDim: Int { network.architecture.zDim }

    /// Decoder outputs for the codes in `z` (row-major, z_dim values each): probabilities in [0, 1], or the
    /// logits when `probabilities` is false.
    package func decode(_ z: [Float], probabilities: Bool = true) -> [Float] {
        precondition(z.count % zDim == 0, "codes are not a whole number of rows")
        let count = z.count / zDim
        var images = [Float](repeating: 0, count: count * pixels)
        z.withUnsafeBufferPointer { codes in
            for first in stride(from: 0, to: count, by: workspace.capacity) {
                let rows = min(workspace.capacity, count - first)
                let output = network.decode(codes.baseAddress! + first * zDim, batch: rows, workspace: workspace,
                                            probabilities: probabilities)
                for i in 0..<(rows * pixels) { images[first * pixels + i] = output[i] }
            }
        }
        return images
    }

    /// mu of each image in `images` (row-major, values in [0, 1]).
    package func means(_ images: [Float]) -> [Float] {
        precondition(images.count % pixels == 0, "images are not a whole number of rows")
        let count = images.count / pixels
        var means = [Float](repeating: 0, count: count * zDim)
        images.withUnsafeBufferPointer { source in
            for first in stride(from: 0, to: count, by: workspace.capacity) {
                let rows = min(workspace.capacity, count - first)
                network.encode(source.baseAddress! + first * pixels, batch: rows, workspace: workspace)
                network.latentMeans(batch: rows, workspace: workspace)
                for i in 0..<(rows * zDim) { means[first * zDim + i] = workspace.z.pointer[i] }
            }
        }
        return means
    }

    /// Reconstructions decoded from mu (the deterministic reconstruction).
    package func reconstruct(_ images: [Float]) -> [Float] { decode(means(images)) }

    /// The logits of the reconstructions decoded from mu (for a numerically stable BCE).
    func reconstructLogits(_ images: [Float]) -> [Float] { decode(means(images), probabilities: false) }
}

@available(*, unavailable)
extension Inference: Sendable {}
