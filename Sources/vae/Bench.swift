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
            abstract: "Benchmarks that print figures: training speed, and .vaez size, load time and quality.",
            subcommands: [TrainingBench.self, FormatBench.self],
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

        @Option(help: "mnist or fashion-mnist.")
        var dataset: String = DatasetKind.fashionMNIST.rawValue

        @Option(help: "Folder with the four IDX files.")
        var dataDir: String?

        @Option(help: "vae or ae.")
        var model: String = "vae"

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

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            guard let kind = Architecture.Kind(rawValue: model), let datasetKind = DatasetKind(argument: dataset) else {
                throw ValidationError("--model must be vae or ae and --dataset mnist or fashion-mnist")
            }
            let sizes = hidden.split(separator: ",").compactMap { Int($0) }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vae-bench-\(getpid())").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let configuration = TrainingConfiguration(
                dataset: datasetKind.rawValue, dataDirectory: dataDir, kind: kind, hidden: sizes, zDim: zDim,
                epochs: epochs, batchSize: batchSize, threads: threads, outputDirectory: directory)
            let data: DatasetSplit
            do { data = try Trainer.loadData(for: configuration) } catch { throw userError(error.description) }
            let architecture = Architecture(kind: kind, input: data.train.shape, hidden: sizes, zDim: zDim)
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
            let rates = metrics.map(\.samplesPerSecond)
            let sorted = rates.sorted()
            let median = sorted[sorted.count / 2], best = sorted.last!
            let flops = TrainingBenchmark.trainingFlopsPerSample(architecture)
            let achieved = flops * best / 1e9
            let floorSamples = Double(trainer.data.train.count) / gemmSeconds
            let report: [(String, String)] = [
                ("architecture", "\(kind.rawValue) \(architecture.input.pixelCount)-\(sizes.map(String.init).joined(separator: "-"))-z\(zDim)"),
                ("dataset", "\(datasetKind.rawValue), \(trainer.data.train.count) training images, batch \(batchSize)"),
                ("threads", "\(threads)"),
                ("cpu", GEMM.kernels.cpuModel),
                ("gemm", "\(GEMM.kernels)"),
                ("samples_per_second_by_epoch", rates.map { String(Int($0)) }.joined(separator: ", ")),
                ("samples_per_second_best", "\(Int(best))"),
                ("samples_per_second_median", "\(Int(median))"),
                ("epoch_seconds_best", String(format: "%.3f", Double(trainer.data.train.count) / best)),
                ("sgemm_peak_gflops", String(format: "%.1f", peak)),
                ("training_gflops", String(format: "%.1f", achieved)),
                ("fraction_of_sgemm_peak", String(format: "%.3f", achieved / peak)),
                ("gemm_only_epoch_seconds", String(format: "%.3f", gemmSeconds)),
                ("gemm_only_floor_samples_per_second", "\(Int(floorSamples))"),
                ("fraction_of_gemm_floor", String(format: "%.3f", best / floorSamples)),
                ("final_test_loss", String(format: "%.3f", metrics.last?.testLoss ?? .nan)),
            ]
            if json {
                let numeric = Set(["threads", "samples_per_second_best", "samples_per_second_median", "epoch_seconds_best",
                                   "sgemm_peak_gflops",
                                   "training_gflops", "fraction_of_sgemm_peak", "gemm_only_epoch_seconds",
                                   "gemm_only_floor_samples_per_second", "fraction_of_gemm_floor", "final_test_loss"])
                let body = report.map { key, value in
                    numeric.contains(key) ? "\"\(key)\":\(value)" : "\"\(key)\":\"\(value)\""
                }
                print("{" + body.joined(separator: ",") + "}")
            } else {
                let figures = Dictionary(uniqueKeysWithValues: report)
                print(BenchSummary.text(figures, rates: rates))
            }
        }
    }
}
