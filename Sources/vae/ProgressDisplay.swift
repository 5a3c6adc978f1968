import Foundation
import VAETraining

/// Shows training progress: a redrawn bar fitted to the terminal's width on a terminal, one plain line per log
/// interval otherwise.
/// Epoch summaries go to standard output.
final class ProgressDisplay: TrainingObserver {
    let interactive: Bool
    let logInterval: Int
    private var lastDraw = ContinuousClock.now
    private let terminal: TerminalWidth?

    init(interactive: Bool, logInterval: Int) {
        self.interactive = interactive
        self.logInterval = logInterval
        terminal = interactive ? TerminalWidth() : nil
    }

    func trainingBatchCompleted(_ p: BatchProgress) {
        if let terminal {
            let now = ContinuousClock.now
            guard p.batch == p.batches || now - lastDraw > .milliseconds(100) else { return }
            lastDraw = now
            // Fitted to the width, so a redraw never wraps (and never leaves a copy behind).
            let line = ProgressLine.render(p, width: terminal.current)
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        } else if p.batch % logInterval == 0 || p.batch == p.batches {
            let line = "epoch \(p.epoch)/\(p.epochs) batch \(p.batch)/\(p.batches) [\(p.samplesDone)/\(p.samplesTotal)] loss \(format(p.runningLoss, 4)) \(Int(p.samplesPerSecond)) samples/s, ETA \(ProgressLine.duration(p.etaSeconds)) (run \(ProgressLine.duration(p.runEtaSeconds)))\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// Clears the progress line (before a message that must start at the left edge).
    func clearLine() {
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    func trainingEpochCompleted(_ m: EpochMetrics) {
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        // On a terminal the short form, which fits 80 columns; pipes and files keep every digit.
        let line =
            interactive
            ? "epoch \(m.epoch): train \(format(m.trainLoss, 2))  test \(format(m.testLoss, 2)) (\(m.decoderVariance == nil ? "bce" : "nll") \(format(m.testReconstruction, 2)), kl \(format(m.testKL, 2)))  \(format(m.seconds, 1)) s  \(Int(m.samplesPerSecond))/s\n"
            : "epoch \(m.epoch): train loss \(format(m.trainLoss, 4))  test loss \(format(m.testLoss, 4)) (\(m.decoderVariance == nil ? "bce" : "nll") \(format(m.testReconstruction, 4)), kl \(format(m.testKL, 4)))  \(format(m.seconds, 2)) s  \(Int(m.samplesPerSecond)) samples/s\n"
        // Unbuffered, so a pipe sees each epoch as it ends.
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    private func format(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
