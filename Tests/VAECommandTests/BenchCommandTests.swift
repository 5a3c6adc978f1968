import Foundation
import Testing
import VAETestSupport

@Suite("vae bench training: the figures, the CPU and the GEMM kernels, in 80 columns")
struct BenchCommandTests {
    @Test func textFitsEightyColumnsAndJSONHasEveryFigure() throws {
        let data = temporaryDirectory(), base = temporaryDirectory()
        try writeSyntheticDataset(to: data, trainCount: 64, testCount: 16, gzip: true)
        let arguments = ["bench", "training", "--dataset", "mnist", "--data-dir", data, "--hidden", "16",
                         "--z-dim", "2", "--epochs", "12", "--batch-size", "16", "--threads", "1"]
        let text = try runCommand(builtExecutable("vae"), arguments, directory: base)
        #expect(text.status == 0, "\(text.standardError)")
        let lines = text.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.allSatisfy { $0.count <= 80 }, "\(text.standardOutput)")
        #expect(lines.contains { $0.hasPrefix("cpu ") && $0.contains("(family ") }, "\(text.standardOutput)")
        #expect(lines.contains { $0.hasPrefix("gemm ") && $0.contains("oneDNN ") }, "\(text.standardOutput)")
        #expect(lines.contains { $0.hasPrefix("GEMM-only floor ") && $0.contains("best epoch at ") })
        // Twelve epoch rates wrapped under their label, each epoch also reported on stderr as it ends.
        #expect(text.standardError.contains("epoch 12/12: "), "\(text.standardError)")

        let json = try runCommand(builtExecutable("vae"), arguments + ["--json"], directory: base)
        let figures = try #require(
            JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any], "\(json.standardOutput)")
        for key in ["samples_per_second_best", "gemm_only_floor_samples_per_second", "fraction_of_gemm_floor",
                    "sgemm_peak_gflops", "final_test_loss"] {
            #expect(figures[key] is NSNumber, "\(key) in \(json.standardOutput)")
        }
        let bestRate = try #require((figures["samples_per_second_best"] as? NSNumber)?.doubleValue)
        let floorRate = try #require((figures["gemm_only_floor_samples_per_second"] as? NSNumber)?.doubleValue)
        let fraction = try #require((figures["fraction_of_gemm_floor"] as? NSNumber)?.doubleValue)
        #expect(Swift.abs(fraction - bestRate / floorRate) < 0.01, "the fraction is the best epoch over the floor")
        #expect((figures["gemm"] as? String)?.hasPrefix("oneDNN ") == true)
    }
}
