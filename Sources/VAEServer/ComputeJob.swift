import VAEModel
import VAEProtocol

/// One request's share of model compute: its rows go through the encoder, the decoder, or both (denoise).
///
/// The scheduler may split a job's rows across batches and compute threads; each row is written once, by the thread
/// that computed it, so the outputs need no lock. Row bookkeeping (`nextRow`, `rowsLeft`) is guarded by the
/// scheduler's lock.
public final class ComputeJob: @unchecked Sendable {
    public enum Stage: Sendable {
        /// Images → the encoder's head (mu, and logvar for a VAE).
        case encode
        /// Images → mu → decoded images.
        case denoise
        /// Latent codes → decoded images (decode and sample).
        case decode
    }

    public let model: ServedModel
    public let stage: Stage
    public let count: Int
    /// `count` images (encode, denoise) or codes (decode), row after row.
    public let input: [Float]
    /// encode: `count × headWidth` head rows.
    public let head: UnsafeMutableBufferPointer<Float>
    /// denoise, decode: `count × pixels` probabilities (empty when `imagesAsBytes`).
    public let images: UnsafeMutableBufferPointer<Float>
    /// denoise, decode answered as u8 or PNG: the probabilities stored straight away as bytes, a quarter of the
    /// floats' memory (empty unless `imagesAsBytes`).
    public let imageBytes: UnsafeMutableBufferPointer<UInt8>
    public let imagesAsBytes: Bool
    let enqueued = ContinuousClock.now
    var nextRow = 0
    var rowsLeft: Int
    /// Called once, when every row is computed (error nil) or the job is abandoned (error set).
    var completion: (@Sendable (ComputeJob, RPCError?) -> Void)?

    public init(model: ServedModel, stage: Stage, input: [Float], count: Int, imagesAsBytes: Bool = false) {
        precondition(input.count == count * (stage == .decode ? model.zDim : model.pixelCount), "input size")
        self.model = model
        self.stage = stage
        self.count = count
        self.input = input
        rowsLeft = count
        head = .allocate(capacity: stage == .encode ? count * model.architecture.headWidth : 0)
        let imageValues = stage == .encode ? 0 : count * model.pixelCount
        self.imagesAsBytes = imagesAsBytes
        images = .allocate(capacity: imagesAsBytes ? 0 : imageValues)
        imageBytes = .allocate(capacity: imagesAsBytes ? imageValues : 0)
    }

    deinit {
        head.deallocate()
        images.deallocate()
        imageBytes.deallocate()
    }

    /// Runs the completion once and lets go of it (it holds the request, which holds this job).
    func complete(_ error: RPCError?) {
        let completion = self.completion
        self.completion = nil
        completion?(self, error)
    }
}
