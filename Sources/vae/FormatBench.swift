import ArgumentParser
import Foundation
import VAECore
import VAEData
import VAEFiles
import VAEFormat
import VAEJSON
import VAEModel
import VAETraining

extension VAECommand {
    struct FormatBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "format",
            abstract: "Measure a model's .vaez files: size against safetensors, load+verify time, quality per dtype.",
            discussion: """
                Writes the model as float32 safetensors and as .vaez in f32, f16, bf16 and int8 (to a temporary \
                folder), then prints for each: bytes and the ratio to safetensors, the best and median time to \
                load and fully verify it (every CRC, the SHA-256, decompression, dequantisation), and its test \
                loss on the model's dataset with the same noise and z draws for every dtype, with the change \
                against f32.
                """
        )

        @Argument(help: "A .vaez model (f32), or a training output folder.")
        var model: String

        @Option(help: "Folder with the dataset's IDX files (default: the dataset's usual place).")
        var dataDir: String?

        @Option(help: "Loads to time per file.")
        var repeats: Int = 50

        @Flag(help: "Print JSON lines instead of text (null for a figure that could not be computed).")
        var json = false

        func run() throws {
            let source = try ModelFiles.read(model)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vae-format-bench-\(getpid())").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }

            let safetensorsPath = "\(directory)/model.safetensors"
            try Files.writeAtomically(Safetensors.serialize(source), to: safetensorsPath)
            let safetensorsBytes = try Files.read(safetensorsPath).count
            let test = try testSet(source)

            var baseline: Double?
            for dtype in TensorDType.allCases {
                let path = "\(directory)/model-\(dtype).vaez"
                try VAEZWriter.write(metadata: source.metadata, tensors: source.tensors.map(\.named), dtype: dtype,
                                     created: source.metadata.created, to: path)
                let file = try VAEZReader.read(path: path)
                let timing = try VAEZBenchmark.measureLoad(path: path, repeats: repeats)
                let loss = try test.map { try testLoss(file, on: $0) }
                if dtype == .f32 { baseline = loss }
                var change: Double?
                if let loss, let baseline { change = (loss - baseline) / baseline }
                report(dtype: dtype, bytes: file.fileSize, safetensors: safetensorsBytes, timing: timing,
                       loss: loss, change: change, tensors: source.tensors.reduce(0) { $0 + $1.values.count })
            }
        }

        func report(dtype: TensorDType, bytes: Int, safetensors: Int, timing: (best: Double, median: Double),
                    loss: Double?, change: Double?, tensors: Int) {
            let ratio = Double(bytes) / Double(safetensors)
            if json {
                let line: JSONValue = .object([
                    "dtype": .string(dtype.description), "bytes": .int(bytes), "safetensors_bytes": .int(safetensors),
                    "ratio": .double(ratio), "load_verify_ms_best": .double(timing.best * 1000),
                    "load_verify_ms_median": .double(timing.median * 1000), "parameters": .int(tensors),
                    "test_loss": .double(loss), "test_loss_change": .double(change),
                ])
                print(line.jsonText)
            } else {
                let lossText = loss.map { String(format: "test loss %.4f", $0) } ?? "test loss n/a (no dataset)"
                let changeText = change.map { String(format: " (%+.4f%%)", $0 * 100) } ?? ""
                print(String(format: "%-5@ %9d bytes  %.3f× safetensors (%d)  load+verify %.2f ms best, %.2f ms median  ",
                             dtype.description, bytes, ratio, safetensors, timing.best * 1000, timing.median * 1000)
                      + lossText + changeText)
            }
        }

        /// The model's test set when its dataset is known and present, else nil (sizes and times still print).
        func testSet(_ file: VAEZFile) throws -> Dataset? {
            guard let name = file.metadata.training.dataset.name, let kind = DatasetKind(argument: name) else { return nil }
            do {
                var test = try DatasetLoader.load(kind, from: dataDir).test
                if let label = file.metadata.training.classLabel { test = test.filtered(toClass: label) }
                return test
            } catch {
                FileHandle.standardError.write(Data("note: no test loss: \(error.description)\n".utf8))
                return nil
            }
        }

        /// Test loss per image with a fixed noise and z stream, so every dtype sees the same draws.
        func testLoss(_ file: VAEZFile, on test: Dataset) throws -> Double {
            let network = try Network.load(file)
            let noise = try NoiseCorruption(fraction: Float(file.metadata.training.noise ?? 0))
            var random = RandomSource(seed: 2026, stream: 0xF0A7)
            let result = Evaluation(network: network, batchSize: 500).run(on: test, noise: noise, random: &random)
            return result.losses.total / Double(test.count)
        }
    }
}
