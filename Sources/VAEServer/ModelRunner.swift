import VAEModel
import VAENumerics

/// Runs one model's passes on a thread's own workspace: encode, decode, sample, denoise.
///
/// Not thread-safe; each compute thread owns one runner per model. Requests larger than the workspace are split
/// into chunks, which changes nothing in the results (every image is computed independently).
public final class ModelRunner {
    public let model: ServedModel
    let workspace: Workspace

    public init(model: ServedModel, capacity: Int) {
        self.model = model
        workspace = Workspace(network: model.network, capacity: capacity)
    }

    /// The encoder's mu and logvar (logvar is empty for an AE) for `count` images.
    public func encode(_ images: [Float], count: Int) -> (mu: [Float], logvar: [Float]) {
        let zDim = model.zDim, stride = model.architecture.headWidth, pixels = model.pixelCount
        var mu = [Float](repeating: 0, count: count * zDim)
        var logvar = [Float](repeating: 0, count: model.architecture.kind == .vae ? count * zDim : 0)
        images.withUnsafeBufferPointer { input in
            forEachChunk(count) { first, rows in
                model.network.encode(input.baseAddress! + first * pixels, batch: rows, workspace: workspace)
                for r in 0..<rows {
                    let head = workspace.head.pointer + r * stride
                    for j in 0..<zDim {
                        mu[(first + r) * zDim + j] = head[j]
                        if !logvar.isEmpty { logvar[(first + r) * zDim + j] = head[zDim + j] }
                    }
                }
            }
        }
        return (mu, logvar)
    }

    /// Decoded images (probabilities in [0, 1]) for `count` latent codes.
    public func decode(_ z: [Float], count: Int) -> [Float] {
        let zDim = model.zDim, pixels = model.pixelCount
        var images = [Float](repeating: 0, count: count * pixels)
        z.withUnsafeBufferPointer { codes in
            forEachChunk(count) { first, rows in
                let out = model.network.decode(codes.baseAddress! + first * zDim, batch: rows, workspace: workspace,
                                               probabilities: true)
                for i in 0..<(rows * pixels) { images[first * pixels + i] = out[i] }
            }
        }
        return images
    }

    /// decode(mu(x)): the model's reconstruction, which smooths over noise and small defects.
    public func denoise(_ images: [Float], count: Int) -> [Float] {
        decode(encode(images, count: count).mu, count: count)
    }

    private func forEachChunk(_ count: Int, _ body: (_ first: Int, _ rows: Int) -> Void) {
        var first = 0
        while first < count {
            let rows = min(workspace.capacity, count - first)
            body(first, rows)
            first += rows
        }
    }
}

@available(*, unavailable)
extension ModelRunner: Sendable {}
