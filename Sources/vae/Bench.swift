import ArgumentParser
import Foundation
import Logging
import VAEData
import VAEModel
import VAENumerics
import VAETraining

extension VAECommand {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Benchmarks that print figures: training speed; .vaez size, load time and quality; the serving encoder.",
            subcommands: [TrainingBench.self, FormatBench.self, EncoderBench.self],
            defaultSubcommand: TrainingBench.self
        )
    }

    struct TrainingBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "training",
            abstract: "Measure training speed on the real dataset, against this machine's sgemm peak.",
            discussion: """
                Trains --epochs epochs (the trainer's full step: shuffling, noise, forward, backward, Adam) and \
                prints samples/s per epoch with their best and median, the sgemm GFLOP/s of a 1024³ product, the \
                fraction of that peak the best epoch reached, and the GEMM-only floor of an epoch (the same GEMM \
                calls alone), all in one run; the peak and the floor are measured before and after training and \
                the best kept. Best-of figures, because load from elsewhere only ever \
                slows a run down.
                """
        )

        @Option(help: "The dataset.")
        var dataset: DatasetKind = .fashionMNIST

        @Option(help: "Folder with the four IDX files.")
        var dataDir: String?

        @Option(help: "A variational or a plain autoencoder.")
        var model: Architecture.Kind = .vae

        @Option(help: "Hidden layer sizes, comma-separated.")
        var hidden: String = "400,256,128"

        @Option(help: "Latent dimensions.")
        var zDim: Int = 20

        @Option(help: "Epochs to time.")
        var epochs: Int = 5

        @Option(help: "Images per step.")
        var batchSize: Int = 128

        // Optional, so the help says "all cores" instead of adding this machine's count as a second default.
        @Option(name: .customLong("threads"), help: "Threads (default: all cores).")
        var threadOption: Int?

        var threads: Int { threadOption ?? ProcessInfo.processInfo.activeProcessorCount }

        @Flag(help: "Print JSON instead of text (null for a figure that could not be computed).")
        var json = false

        func run() throws {
            let sizes = hidden.split(separator: ",").compactMap { Int($0) }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vae-bench-\(getpid())").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let configuration = TrainingConfiguration(
                dataset: dataset.rawValue, dataDirectory: dataDir, kind: model, hidden: sizes, zDim: zDim,
                epochs: epochs, batchSize: batchSize, threads: threads, outputDirectory: directory)
            let data: DatasetSplit
            do { data = try Trainer.loadData(for: configuration) } catch { throw userError(error.description) }
            let architecture = Architecture(kind: model, input: data.train.shape, hidden: sizes, zDim: zDim)
            GEMM.setThreadCount(threads)
            // The peak and the GEMM floor are measured before and after training and the best kept, so that all
            // three figures describe the machine at its best in this run.
            func gemmFloor() -> Double {
                TrainingBenchmark.gemmOnlyEpochSeconds(architecture, samples: data.train.count, batchSize: batchSize)
            }
            var peak = TrainingBenchmark.sgemmPeak()
            var gemmSeconds = gemmFloor()
            let metrics: [EpochMetrics]
            let trainer: Trainer
            do {
                trainer = try Trainer(configuration: configuration, data: data, logger: Logger(label: "vae.bench"))
                metrics = try trainer.run(observer: EpochLine(epochs: epochs))
            } catch {
                throw userError(error.description)
            }
            peak = max(peak, TrainingBenchmark.sgemmPeak())
            gemmSeconds = min(gemmSeconds, gemmFloor(), gemmFloor())
            let report = TrainingBenchReport(
                architecture: architecture, dataset: dataset.rawValue, trainingImages: trainer.data.train.count,
                batchSize: batchSize, threads: threads, kernels: GEMM.kernels,
                samplesPerSecondByEpoch: metrics.map(\.samplesPerSecond),
                sgemmPeakGFLOPS: peak, flopsPerSample: TrainingBenchmark.trainingFlopsPerSample(architecture),
                gemmOnlyEpochSeconds: gemmSeconds, finalTestLoss: metrics.last?.testLoss)
            print(json ? report.json.jsonText : report.text)
        }
    }
}

/// One line per finished epoch on standard error, so a bench of several minutes shows it is alive.
final class EpochLine: TrainingObserver {
    let epochs: Int

    init(epochs: Int) { self.epochs = epochs }

    func trainingBatchCompleted(_ progress: BatchProgress) {}

    func trainingEpochCompleted(_ metrics: EpochMetrics) {
        let rate = metrics.samplesPerSecond.isFinite ? String(Int(metrics.samplesPerSecond)) : "n/a"
        FileHandle.standardError.write(Data("epoch \(metrics.epoch)/\(epochs): \(rate) samples/s\n".utf8))
    }
}
