/// One request's share of model compute: its rows go through the encoder, the decoder, or both (denoise).
///
/// Input and output only: the scheduler keeps the row bookkeeping in its own queue entries. The scheduler may split
/// a job's rows across batches and compute threads; each output row is written once, by the thread that computed
/// it, and read only after the scheduler has seen every row done (under its lock), so the outputs need no lock.
final class ComputeJob: @unchecked Sendable {
    enum Stage: Sendable {
        /// Images → the encoder's head (mu, and logvar for a VAE).
        case encode
        /// Images → mu → decoded images.
        case denoise
        /// Latent codes → decoded images (decode and sample).
        case decode

        var method: ModelMethod {
            switch self {
            case .encode: .encode
            case .denoise: .denoise
            case .decode: .decode
            }
        }
    }

    let model: ServedModel
    let stage: Stage
    /// The method that asked (decode and sample share a stage), for the queue-wait histogram.
    let method: ModelMethod
    let count: Int
    /// `count` images (encode, denoise) or codes (decode), row after row.
    let input: [Float]
    /// encode: `count × headWidth` head rows (empty otherwise).
    let head: UnsafeMutableBufferPointer<Float>
    /// denoise, decode: `count × pixels` values.
    let pixels: PixelRows

    /// - Parameter method: nil for the stage's own (encode, decode, denoise).
    init(model: ServedModel, stage: Stage, method: ModelMethod? = nil, input: [Float], count: Int,
         pixels storage: PixelStorage = .floats) {
        precondition(input.count == count * (stage == .decode ? model.zDim : model.pixelCount), "input size")
        self.model = model
        self.stage = stage
        self.method = method ?? stage.method
        self.count = count
        self.input = input
        head = .allocate(capacity: stage == .encode ? count * model.architecture.headWidth : 0)
        pixels = PixelRows(storage: storage, count: stage == .encode ? 0 : count * model.pixelCount)
    }

    deinit {
        head.deallocate()
    }
}
