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
    /// denoise, decode: `count × pixels` probabilities.
    public let images: UnsafeMutableBufferPointer<Float>
    let enqueued = ContinuousClock.now
    var nextRow = 0
    var rowsLeft: Int
    /// Called once, when every row is computed (error nil) or the job is abandoned (error set).
    var completion: (@Sendable (ComputeJob, RPCError?) -> Void)?

    public init(model: ServedModel, stage: Stage, input: [Float], count: Int) {
        precondition(input.count == count * (stage == .decode ? model.zDim : model.pixelCount), "input size")
        self.model = model
        self.stage = stage
        self.count = count
        self.input = input
        rowsLeft = count
        head = .allocate(capacity: stage == .encode ? count * model.architecture.headWidth : 0)
        images = .allocate(capacity: stage == .encode ? 0 : count * model.pixelCount)
    }

    deinit {
        head.deallocate()
        images.deallocate()
    }

    /// Runs the completion once and lets go of it (it holds the request, which holds this job).
    func complete(_ error: RPCError?) {
        let completion = self.completion
        self.completion = nil
        completion?(self, error)
    }
}
