import Foundation
import Testing
import VAEAnalysis
import VAEJSON

@Suite("vae eval's report: one value, written as JSON or as a table")
struct EvaluationReportTests {
    /// A diverged model (NaN weights) evaluates to NaN figures; its JSON must still parse, with null for them.
    @Test func nanFiguresAreNullInValidJSON() throws {
        let network = TestNetworks.network(kind: .vae, zDim: 2)
        for i in 0..<network.parameters.count { network.parameters.pointer[i] = .nan }
        let model = StudiedModel(network: network)
        let evaluation = ModelEvaluator.evaluate(
            model, on: TestNetworks.dataset(count: 8), importanceSamples: 4, noise: nil, seed: 1)
        #expect(evaluation.reconstructionNLL.isNaN, "the test needs a NaN figure")
        let report = EvaluationReport(evaluation, of: model, path: "diverged.vaez")

        let text = report.json.jsonText
        let parsed = try JSONParser().parse(text)
        #expect(parsed["reconstruction_bce"] == .null && parsed["iw_nll"] == .null, "\(text)")
        #expect(parsed["model"]?.stringValue == "diverged.vaez" && parsed["images"]?.integerValue == 8)
        // Foundation's parser agrees (what Python's json and jq accept).
        #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any])
        #expect(report.text.contains("reconstruction BCE from mu    n/a"), "\(report.text)")
    }

    @Test func anAEHasNullForWhatDoesNotApply() throws {
        let model = StudiedModel(network: TestNetworks.network(kind: .ae, zDim: 2))
        let evaluation = ModelEvaluator.evaluate(
            model, on: TestNetworks.dataset(count: 8), importanceSamples: 4, noise: nil, seed: 1)
        let parsed = try JSONParser().parse(EvaluationReport(evaluation, of: model, path: "ae.vaez").json.jsonText)
        #expect(parsed["negative_elbo"] == .null && parsed["kl_per_dimension"] == .null)
        #expect(parsed["reconstruction_bce"]?.doubleValue?.isFinite == true)
        #expect(parsed["mu_variance"]?.arrayValue?.count == 2)
    }
}
