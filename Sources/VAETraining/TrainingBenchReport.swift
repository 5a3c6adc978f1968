import Foundation
import VAEJSON
import VAEModel
import VAENumerics

/// What `vae bench training` measured, as a value: written once, as JSON (every figure under its full name) or as
/// short labelled lines that fit an 80-column terminal.
///
/// A figure that could not be computed (NaN or infinite, such as the test loss of a run that diverged) is `null` in
/// the JSON and `n/a` or `nan` in the text.
package struct TrainingBenchReport: Sendable {
    package var architecture: Architecture
    /// The dataset's name.
    package var dataset: String
    /// Images in the training set: one epoch.
    package var trainingImages: Int
    package var batchSize: Int
    package var threads: Int
    /// The GEMM library and kernels, and the CPU they run on.
    package var kernels: GEMMKernels
    /// Samples per second of each epoch's training pass.
    package var samplesPerSecondByEpoch: [Double]
    /// sgemm GFLOP/s of a 1024³ product (`TrainingBenchmark.sgemmPeak`).
    package var sgemmPeakGFLOPS: Double
    /// Floating-point operations per training sample (`TrainingBenchmark.trainingFlopsPerSample`).
    package var flopsPerSample: Double
    /// Seconds of an epoch's GEMM calls alone (`TrainingBenchmark.gemmOnlyEpochSeconds`).
    package var gemmOnlyEpochSeconds: Double
    /// Test loss per image after the last epoch.
    package var finalTestLoss: Double?

    package init(
        architecture: Architecture, dataset: String, trainingImages: Int, batchSize: Int, threads: Int,
        kernels: GEMMKernels, samplesPerSecondByEpoch: [Double], sgemmPeakGFLOPS: Double, flopsPerSample: Double,
        gemmOnlyEpochSeconds: Double, finalTestLoss: Double?
    ) {
        self.architecture = architecture
        self.dataset = dataset
        self.trainingImages = trainingImages
        self.batchSize = batchSize
        self.threads = threads
        self.kernels = kernels
        self.samplesPerSecondByEpoch = samplesPerSecondByEpoch
        self.sgemmPeakGFLOPS = sgemmPeakGFLOPS
        self.flopsPerSample = flopsPerSample
        self.gemmOnlyEpochSeconds = gemmOnlyEpochSeconds
        self.finalTestLoss = finalTestLoss
    }

    /// "vae 784-400-256-128-z20".
    var architectureName: String {
        let layers = [architecture.input.pixelCount] + architecture.hidden
        return "\(architecture.kind.rawValue) \(layers.map(String.init).joined(separator: "-"))-z\(architecture.zDim)"
    }

    /// The fastest epoch's samples per second (load from elsewhere only ever slows a run down).
    var bestSamplesPerSecond: Double { samplesPerSecondByEpoch.max() ?? .nan }

    var medianSamplesPerSecond: Double {
        let sorted = samplesPerSecondByEpoch.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }

    var bestEpochSeconds: Double { Double(trainingImages) / bestSamplesPerSecond }
    var trainingGFLOPS: Double { flopsPerSample * bestSamplesPerSecond / 1e9 }
    var fractionOfSgemmPeak: Double { trainingGFLOPS / sgemmPeakGFLOPS }
    var gemmOnlyFloorSamplesPerSecond: Double { Double(trainingImages) / gemmOnlyEpochSeconds }
    var fractionOfGemmFloor: Double { bestSamplesPerSecond / gemmOnlyFloorSamplesPerSecond }

    /// Every figure under its full name; rates in whole samples, times and fractions to three decimals.
    package var json: JSONValue {
        .object([
            "architecture": .string(architectureName),
            "dataset": .string("\(dataset), \(trainingImages) training images, batch \(batchSize)"),
            "threads": .int(threads),
            "cpu": .string(kernels.cpuModel),
            "gemm": .string(kernels.description),
            "samples_per_second_by_epoch": .array(samplesPerSecondByEpoch.map(Self.whole)),
            "samples_per_second_best": Self.whole(bestSamplesPerSecond),
            "samples_per_second_median": Self.whole(medianSamplesPerSecond),
            "epoch_seconds_best": .double(Self.rounded(bestEpochSeconds, digits: 3)),
            "sgemm_peak_gflops": .double(Self.rounded(sgemmPeakGFLOPS, digits: 1)),
            "training_gflops": .double(Self.rounded(trainingGFLOPS, digits: 1)),
            "fraction_of_sgemm_peak": .double(Self.rounded(fractionOfSgemmPeak, digits: 3)),
            "gemm_only_epoch_seconds": .double(Self.rounded(gemmOnlyEpochSeconds, digits: 3)),
            "gemm_only_floor_samples_per_second": Self.whole(gemmOnlyFloorSamplesPerSecond),
            "fraction_of_gemm_floor": .double(Self.rounded(fractionOfGemmFloor, digits: 3)),
            "final_test_loss": .double(finalTestLoss.map { Self.rounded($0, digits: 3) }),
        ])
    }

    /// Short labelled lines that fit an 80-column terminal.
    package var text: String {
        let label = 19
        func line(_ name: String, _ value: String) -> String {
            name.padding(toLength: label, withPad: " ", startingAt: 0) + value
        }
        func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
        func percent(_ fraction: Double) -> String {
            fraction.isFinite ? "\(Int((fraction * 100).rounded()))%" : "n/a"
        }
        let wholeText = { (value: Double) in value.isFinite && abs(value) < 0x1p62 ? String(Int(value)) : "n/a" }
        var lines = [
            "\(architectureName) on \(dataset), \(trainingImages) training images, batch \(batchSize), "
                + "\(threads) threads",
            line("cpu", kernels.cpuModel),
        ]
        lines += kernels.lines.enumerated().map { line($0.offset == 0 ? "gemm" : "", $0.element) }
        // Epoch rates wrapped under their label.
        var row = ""
        var first = true
        for rate in samplesPerSecondByEpoch.map(wholeText) {
            if label + row.count + rate.count + 1 > 80 {
                lines.append(line(first ? "samples/s by epoch" : "", row))
                row = ""
                first = false
            }
            row += (row.isEmpty ? "" : " ") + rate
        }
        lines.append(line(first ? "samples/s by epoch" : "", row))
        lines += [
            line(
                "best epoch",
                "\(wholeText(bestSamplesPerSecond)) samples/s (\(fixed(bestEpochSeconds, 3)) s), "
                    + "median \(wholeText(medianSamplesPerSecond))"),
            line(
                "GEMM-only floor",
                "\(wholeText(gemmOnlyFloorSamplesPerSecond)) samples/s (\(fixed(gemmOnlyEpochSeconds, 3)) s): "
                    + "best epoch at \(percent(fractionOfGemmFloor))"),
            line(
                "sgemm peak",
                "\(fixed(sgemmPeakGFLOPS, 1)) GFLOP/s (1024³); training \(fixed(trainingGFLOPS, 1)) "
                    + "(\(percent(fractionOfSgemmPeak)))"),
            line("final test loss", finalTestLoss.map { fixed($0, 3) } ?? "n/a"),
        ]
        return lines.joined(separator: "\n")
    }

    /// A rate as a whole number (its fraction dropped), or `null` when it could not be computed.
    static func whole(_ value: Double) -> JSONValue {
        value.isFinite && abs(value) < 0x1p62 ? .int(Int(value)) : .null
    }

    /// `value` to `digits` decimals (NaN and infinities unchanged).
    static func rounded(_ value: Double, digits: Int) -> Double {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return (value * scale).rounded() / scale
    }
}
