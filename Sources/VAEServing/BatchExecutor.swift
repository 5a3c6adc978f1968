import VAEModel
import VAENumerics

/// A run of one job's rows inside a batch.
struct JobSlice {
    let job: ComputeJob
    let rows: Range<Int>
}

/// Runs batches on one compute thread: gathers the slices' rows into one matrix per stage, runs the encoder and
/// the decoder once each, and scatters the results back into the jobs.
///
/// Not thread-safe: each compute thread owns one executor, which keeps a workspace per model it has served.
/// `generation` is the scheduler's model-set generation the workspaces were last pruned for.
final class BatchExecutor {
    private final class ModelState {
        let model: ServedModel
        let workspace: Workspace
        let encoderInput: FloatBuffer
        let decoderInput: FloatBuffer

        init(model: ServedModel, capacity: Int) {
            self.model = model
            workspace = Workspace(network: model.network, capacity: capacity, inference: true)
            encoderInput = FloatBuffer(count: capacity * model.pixelCount)
            decoderInput = FloatBuffer(count: capacity * model.zDim)
        }
    }

    let capacity: Int
    var generation = 0
    private var states: [ObjectIdentifier: ModelState] = [:]

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Computes every row of `slices` (all for one model, at most `capacity` rows in all).
    func run(_ slices: [JobSlice]) {
        guard let model = slices.first?.job.model else { return }
        let state = self.state(for: model)
        let network = model.network, workspace = state.workspace
        let pixels = model.pixelCount, zDim = model.zDim, headWidth = model.architecture.headWidth

        // Encoder: the images of encode and denoise slices, in slice order.
        var encoderRows = 0
        for slice in slices where slice.job.stage != .decode {
            slice.job.input.withUnsafeBufferPointer { input in
                (state.encoderInput.pointer + encoderRows * pixels)
                    .update(from: input.baseAddress! + slice.rows.lowerBound * pixels, count: slice.rows.count * pixels)
            }
            encoderRows += slice.rows.count
        }
        precondition(encoderRows <= capacity, "batch exceeds the workspace")
        if encoderRows > 0 {
            model.data.normalisation?.standardise(state.encoderInput.pointer, rows: encoderRows)
            network.encode(state.encoderInput.pointer, batch: encoderRows, workspace: workspace)
        }

        // Decoder: the codes of decode slices and the means of denoise slices, in slice order.
        var headRow = 0, decoderRows = 0
        for slice in slices {
            let rows = slice.rows.count
            switch slice.job.stage {
            case .encode:
                (slice.job.head.baseAddress! + slice.rows.lowerBound * headWidth)
                    .update(from: workspace.head.pointer + headRow * headWidth, count: rows * headWidth)
                headRow += rows
            case .denoise:
                for r in 0..<rows {
                    (state.decoderInput.pointer + (decoderRows + r) * zDim)
                        .update(from: workspace.head.pointer + (headRow + r) * headWidth, count: zDim)
                }
                headRow += rows
                decoderRows += rows
            case .decode:
                slice.job.input.withUnsafeBufferPointer { codes in
                    (state.decoderInput.pointer + decoderRows * zDim)
                        .update(from: codes.baseAddress! + slice.rows.lowerBound * zDim, count: rows * zDim)
                }
                decoderRows += rows
            }
        }
        precondition(decoderRows <= capacity, "batch exceeds the workspace")
        guard decoderRows > 0 else { return }
        let output = network.decode(state.decoderInput.pointer, batch: decoderRows, workspace: workspace, probabilities: true)
        model.data.normalisation?.destandardise(output, rows: decoderRows)
        var row = 0
        for slice in slices where slice.job.stage != .encode {
            let first = slice.rows.lowerBound * pixels, values = slice.rows.count * pixels
            switch slice.job.pixels.storage {
            case .bytes:
                Kernels.unitToBytes(output + row * pixels, slice.job.pixels.bytes.baseAddress! + first, count: values)
            case .floats:
                (slice.job.pixels.floats.baseAddress! + first).update(from: output + row * pixels, count: values)
            }
            row += slice.rows.count
        }
    }

    /// Drops the workspaces of models no longer served (after a reload).
    func forget(allBut current: Set<ObjectIdentifier>) {
        states = states.filter { current.contains($0.key) }
    }

    private func state(for model: ServedModel) -> ModelState {
        let key = ObjectIdentifier(model)
        if let state = states[key] { return state }
        let state = ModelState(model: model, capacity: capacity)
        states[key] = state
        return state
    }
}

@available(*, unavailable)
extension BatchExecutor: Sendable {}
