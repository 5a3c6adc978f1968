import ArgumentParser
import Foundation
import VAEFiles
import VAEFormat
import VAEJSON
import VAEModel
import VAENumerics

extension VAECommand {
    struct EncoderBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "encoder",
            abstract: "Time the serving engine's encoder forward pass in-process, per batch size (no transport).",
            discussion: """
                Loads the model as vaed does (read and verified, inference workspace, the sparse first layer for \
                single images) and times Network.encode, the call vaed's compute threads make per batch, on the \
                first rows of --input (float32 little-endian, H*W values per image, in [0, 1]). Each batch size is \
                run for --seconds after a warm-up; the median and best time per call are printed. vaed runs each \
                batch with 1 GEMM thread. Tools/bench/onnx_encoder.py runs this and onnxruntime on the same images.
                """
        )

        @Argument(help: "A .vaez model or a training output folder.")
        var model: String

        @Option(help: "Images as raw float32 little-endian, H*W values each.")
        var input: String

        @Option(help: "Batch sizes, comma-separated.")
        var batch: String = "1,64"

        @Option(help: "GEMM threads (vaed uses 1 per compute thread).")
        var threads: Int = 1

        @Option(help: "Seconds to time each batch size.")
        var seconds: Double = 1

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() throws {
            let file = try ModelFiles.read(model)
            let network = try Network.load(file, trainable: false)
            network.prepareSparseFirstLayer()
            let pixels = network.architecture.input.pixelCount
            let images = try readImages(pixels: pixels)
            let sizes = batch.split(separator: ",").compactMap { Int($0) }
            guard !sizes.isEmpty, sizes.allSatisfy({ $0 >= 1 && $0 * pixels <= images.count }) else {
                throw ValidationError("--batch needs sizes from 1 to the \(images.count / pixels) images of --input")
            }
            GEMM.setThreadCount(threads)
            var rows: [JSONValue] = []
            for size in sizes {
                let workspace = Workspace(network: network, capacity: size, inference: true)
                let times = images.withUnsafeBufferPointer { buffer in
                    Self.time(seconds: seconds) {
                        network.encode(buffer.baseAddress!, batch: size, workspace: workspace)
                    }
                }
                let sorted = times.sorted()
                let median = sorted[sorted.count / 2], best = sorted[0]
                rows.append(.object(["batch": .int(size), "calls": .int(times.count),
                                     "median_us": .double(median * 1e6), "best_us": .double(best * 1e6)]))
                if !json {
                    print(String(
                        format: "batch %3d: median %9.1f µs, best %9.1f µs per call (%d calls, %d GEMM threads)",
                        size, median * 1e6, best * 1e6, times.count, threads))
                }
            }
            if json {
                let report = JSONValue.object(
                    ["model": .string(model), "threads": .int(threads), "results": .array(rows)])
                print(report.jsonText)
            }
        }

        private func readImages(pixels: Int) throws -> [Float] {
            let bytes: [UInt8]
            do { bytes = try Files.read(input) } catch { throw userError("\(error)") }
            guard bytes.count % (4 * pixels) == 0, !bytes.isEmpty else {
                throw userError(
                    "\(input): \(bytes.count) bytes is not a whole number of \(pixels)-pixel float32 images")
            }
            return stride(from: 0, to: bytes.count, by: 4).map { offset in
                Float(bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
                    | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
            }
        }

        /// Seconds per call of `body`, after a tenth of the budget of warm-up, for `seconds` (at least 20 calls).
        private static func time(seconds: Double, _ body: () -> Void) -> [Double] {
            let clock = ContinuousClock()
            let warmUp = clock.now.advanced(by: .seconds(seconds / 10))
            while clock.now < warmUp { body() }
            var times: [Double] = []
            let end = clock.now.advanced(by: .seconds(seconds))
            while clock.now < end || times.count < 20 {
                let start = clock.now
                body()
                let elapsed = start.duration(to: clock.now)
                times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            }
            return times
        }
    }
}
