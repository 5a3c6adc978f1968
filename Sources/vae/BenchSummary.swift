import Foundation
import VAENumerics
import VAETraining

/// `vae bench training`'s text report: short labelled lines that fit an 80-column terminal (the JSON form keeps
/// every figure under its full name).
enum BenchSummary {
    static func text(_ figures: [String: String], rates: [Double]) -> String {
        func figure(_ key: String) -> String { figures[key] ?? "?" }
        func percent(_ key: String) -> String { "\(Int(((Double(figure(key)) ?? .nan) * 100).rounded()))%" }
        let label = 19
        func line(_ name: String, _ value: String) -> String {
            name.padding(toLength: label, withPad: " ", startingAt: 0) + value
        }
        var lines = [
            "\(figure("architecture")) on \(figure("dataset")), \(figure("threads")) threads",
            line("cpu", figure("cpu")),
        ]
        lines += GEMM.kernels.lines.enumerated().map { line($0.offset == 0 ? "gemm" : "", $0.element) }
        // Epoch rates wrapped under their label.
        var row = ""
        var first = true
        for rate in rates.map({ String(Int($0)) }) {
            if label + row.count + rate.count + 1 > 80 {
                lines.append(line(first ? "samples/s by epoch" : "", row))
                row = ""
                first = false
            }
            row += (row.isEmpty ? "" : " ") + rate
        }
        lines.append(line(first ? "samples/s by epoch" : "", row))
        lines += [
            line("best epoch", "\(figure("samples_per_second_best")) samples/s (\(figure("epoch_seconds_best")) s), median \(figure("samples_per_second_median"))"),
            line("GEMM-only floor", "\(figure("gemm_only_floor_samples_per_second")) samples/s (\(figure("gemm_only_epoch_seconds")) s): best epoch at \(percent("fraction_of_gemm_floor"))"),
            line("sgemm peak", "\(figure("sgemm_peak_gflops")) GFLOP/s (1024³); training \(figure("training_gflops")) (\(percent("fraction_of_sgemm_peak")))"),
            line("final test loss", figure("final_test_loss")),
        ]
        return lines.joined(separator: "\n")
    }
}

/// One line per finished epoch on standard error, so a bench of several minutes shows it is alive.
final class EpochLine: TrainingObserver {
    let epochs: Int

    init(epochs: Int) { self.epochs = epochs }

    func trainingBatchCompleted(_ progress: BatchProgress) {}

    func trainingEpochCompleted(_ metrics: EpochMetrics) {
        FileHandle.standardError.write(Data("epoch \(metrics.epoch)/\(epochs): \(Int(metrics.samplesPerSecond)) samples/s\n".utf8))
    }
}
