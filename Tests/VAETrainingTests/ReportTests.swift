import Foundation
import Testing
import VAECore
import VAEJSON
import VAEModel
import VAENumerics
@testable import VAETraining

@Suite("Training reports as values: vae bench training's figures, metrics.jsonl lines")
struct ReportTests {
    func report(rates: [Double], finalTestLoss: Double?) -> TrainingBenchReport {
        TrainingBenchReport(
            architecture: Architecture(kind: .vae, input: ImageShape(height: 28, width: 28), hidden: [16], zDim: 2),
            dataset: "mnist", trainingImages: 64, batchSize: 16, threads: 1, kernels: GEMM.kernels,
            samplesPerSecondByEpoch: rates, sgemmPeakGFLOPS: 100, flopsPerSample: 1e5, gemmOnlyEpochSeconds: 0.001,
            finalTestLoss: finalTestLoss)
    }

    /// A diverged run's NaN test loss (and rates that could not be measured) come out as null in valid JSON.
    @Test func nanFiguresGiveParseableJSON() throws {
        let report = report(rates: [.nan, .infinity], finalTestLoss: .nan)
        let text = report.json.jsonText
        let parsed = try JSONParser().parse(text)
        #expect(parsed["final_test_loss"] == .null, "\(text)")
        #expect(parsed["samples_per_second_by_epoch"] == .array([.null, .null]), "\(text)")
        #expect(parsed["samples_per_second_best"] == .null && parsed["fraction_of_gemm_floor"] == .null)
        #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any])
        #expect(report.text.contains("final test loss    nan"), "\(report.text)")
    }

    @Test func figuresKeepTheirRoundingAndTextFitsEightyColumns() throws {
        let report = report(rates: [1000.7, 3000.2, 2000.9], finalTestLoss: 543.21987)
        let parsed = try JSONParser().parse(report.json.jsonText)
        #expect(parsed["architecture"]?.stringValue == "vae 784-16-z2")
        #expect(parsed["dataset"]?.stringValue == "mnist, 64 training images, batch 16")
        #expect(parsed["samples_per_second_by_epoch"] == .array([.int(1000), .int(3000), .int(2000)]))
        #expect(parsed["samples_per_second_best"]?.number?.text == "3000")
        #expect(parsed["samples_per_second_median"]?.number?.text == "2000")
        #expect(parsed["final_test_loss"]?.number?.text == "543.22")
        #expect(parsed["epoch_seconds_best"]?.number?.text == "0.021")
        #expect(parsed["gemm_only_floor_samples_per_second"]?.number?.text == "64000")
        let lines = report.text.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 80 }, "\(report.text)")
        #expect(lines.contains("best epoch         3000 samples/s (0.021 s), median 2000"), "\(report.text)")
    }

    @Test func aMetricsLineWithANaNLossIsValidJSON() throws {
        let metrics = EpochMetrics(
            epoch: 3, trainLoss: .nan, testLoss: .infinity, testReconstruction: 1.5, testKL: 0.25, seconds: 2,
            samplesPerSecond: 32)
        let parsed = try JSONParser().parse(metrics.jsonLine)
        #expect(parsed["train_loss"] == .null && parsed["test_loss"] == .null)
        #expect(metrics.jsonLine.hasSuffix(#""test_bce":1.5,"test_kl":0.25,"seconds":2.0,"samples_per_second":32.0}"#))
    }
}
