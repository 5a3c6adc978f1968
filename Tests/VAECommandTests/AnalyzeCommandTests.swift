import Foundation
import Testing
import VAEFiles
import VAEImage
import VAETestSupport

@Suite("vae analyze, eval and plot, run as a user would", .serialized)
struct AnalyzeCommandTests {
    let vae = builtExecutable("vae")

    /// A small model trained on synthetic data (2 epochs); returns its run folder and the data folder.
    func trainedRun(model: String = "vae", zDim: Int = 3, extra: [String] = []) throws -> (run: String, data: String) {
        let data = temporaryDirectory()
        try writeSyntheticDataset(to: data, trainCount: 64, testCount: 24)
        let run = temporaryDirectory() + "/run"
        let result = try runCommand(vae, ["train", "--dataset", "mnist", "--data-dir", data, "--model", model,
                                          "--hidden", "32,16", "--z-dim", "\(zDim)", "--epochs", "2", "--out", run,
                                          "--threads", "1"] + extra,
                                    directory: temporaryDirectory())
        #expect(result.status == 0, "stderr: \(result.standardError)")
        return (run, data)
    }

    func succeeding(_ arguments: [String]) throws -> CommandResult {
        let result = try runCommand(vae, arguments, directory: temporaryDirectory())
        #expect(result.status == 0, "vae \(arguments.joined(separator: " ")): \(result.standardError)")
        return result
    }

    func svg(_ path: String) throws -> ParsedSVG {
        let parsed = ParsedSVG(try String(contentsOfFile: path, encoding: .utf8))
        #expect(parsed.isWellFormed, "\(path): \(String(describing: parsed.error))")
        return parsed
    }

    @Test func everyFigureIsAValidPNGOrSVG() throws {
        let (run, data) = try trainedRun()
        let out = temporaryDirectory()
        let model = "\(run)/model.vaez"

        _ = try succeeding(["analyze", "manifold", model, "--data", data, "--dims", "0,2", "--steps", "6", "-o", "\(out)/m.png"])
        let manifold = try PNG.decode(Files.read("\(out)/m.png"))
        #expect(manifold.width == 6 * 28 && manifold.height == 6 * 28)
        _ = try succeeding(["analyze", "manifold", run, "--data", data, "-o", "\(out)/m.svg"])
        let manifoldSVG = try svg("\(out)/m.svg")
        #expect(try manifoldSVG.embeddedImages().first?.width == 20 * 28)
        #expect(manifoldSVG.texts.contains("z1 (positive up)"))

        _ = try succeeding(["analyze", "reconstruct", model, "--data", data, "--count", "5", "--noise", "0.2", "-o", "\(out)/r.png"])
        let reconstruction = try PNG.decode(Files.read("\(out)/r.png"))
        #expect(reconstruction.width == 5 * 30 + 2 && reconstruction.height == 3 * 30 + 2)
        _ = try succeeding(["analyze", "reconstruct", model, "--data", data, "--spread", "-o", "\(out)/r.svg"])
        #expect(try svg("\(out)/r.svg").texts.contains("reconstruction"))

        _ = try succeeding(["analyze", "scatter", model, "--data", data, "-o", "\(out)/s.svg"])
        let scatter = try svg("\(out)/s.svg")
        #expect(scatter.named("circle").count == 24 + 4, "24 test points and 4 legend markers")
        _ = try succeeding(["analyze", "scatter", model, "--data", data, "--pca", "--limit", "12", "-o", "\(out)/p.svg"])
        #expect(try svg("\(out)/p.svg").texts.contains { $0.hasPrefix("principal component 1") })

        let dims = try succeeding(["analyze", "dims", model, "--data", data, "-o", "\(out)/d.svg"])
        #expect(dims.standardOutput.contains("active dimensions: "))
        #expect(try svg("\(out)/d.svg").texts.contains { $0.hasPrefix("Manifold dimension discovery:") })

        _ = try succeeding(["analyze", "traverse", model, "--data", data, "--dim", "1,2", "--range", "-2,2", "--steps", "5",
                     "-o", "\(out)/t.png"])
        let traverse = try PNG.decode(Files.read("\(out)/t.png"))
        #expect(traverse.width == 5 * 30 + 2 && traverse.height == 2 * 30 + 2)
        _ = try succeeding(["analyze", "traverse", model, "--data", data, "-o", "\(out)/t.svg"])
        #expect(try svg("\(out)/t.svg").texts.contains("z2"))

        _ = try succeeding(["plot", "\(run)/metrics.jsonl", run, "--name", "a", "--name", "b", "-o", "\(out)/c.svg"])
        let curves = try svg("\(out)/c.svg")
        #expect(curves.texts.contains("a test") && curves.texts.contains("b train"))
    }

    @Test func evalReportsTheBoundsAsJSON() throws {
        let (run, data) = try trainedRun()
        let result = try succeeding(["eval", run, "--data", data, "--importance-samples", "50", "--noise", "0.2", "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as! [String: Any]
        #expect(report["images"] as? Int == 24 && report["z_dim"] as? Int == 3 && report["kind"] as? String == "vae")
        let elbo = report["negative_elbo_k"] as! Double, iw = report["iw_nll"] as! Double
        #expect(iw <= elbo, "the importance-weighted bound is at least the ELBO")
        #expect((report["kl_per_dimension"] as! [Double]).count == 3)
        for key in ["negative_elbo", "reconstruction_bce", "reconstruction_psnr", "denoising_bce", "denoising_psnr",
                    "noisy_input_psnr", "total_kl"] {
            #expect(report[key] is Double, "\(key) is a number")
        }
        let text = try succeeding(["eval", run, "--data", data, "--importance-samples", "5"])
        #expect(text.standardOutput.contains("−log p(x), IW bound, k = 5"))
    }

    @Test func anAutoencoderGetsWhatAppliesAndNullForTheRest() throws {
        let (run, data) = try trainedRun(model: "ae", zDim: 2, extra: ["--class", "2"])
        let result = try succeeding(["eval", run, "--data", data, "--noise", "0.1", "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as! [String: Any]
        #expect(report["kind"] as? String == "ae" && report["class"] as? Int == 2)
        #expect(report["images"] as? Int == 6, "only the trained class's test images (24 / 4 classes)")
        for key in ["negative_elbo", "iw_nll", "kl_per_dimension", "total_kl", "importance_samples"] {
            #expect(report[key] is NSNull, "\(key) does not apply to an AE")
        }
        #expect(report["reconstruction_bce"] is Double && report["denoising_psnr"] is Double)
        let out = temporaryDirectory()
        _ = try succeeding(["analyze", "manifold", run, "--data", data, "--steps", "4", "-o", "\(out)/m.svg"])
        _ = try succeeding(["analyze", "dims", run, "--data", data, "-o", "\(out)/d.svg"])
        #expect(try svg("\(out)/d.svg").texts.contains { $0.hasPrefix("Average KL") } == false)
    }

    @Test func badInputGetsOneClearLineAndNonZeroExit() throws {
        let (run, data) = try trainedRun(zDim: 2)
        let out = temporaryDirectory()
        let cases: [([String], String)] = [
            (["analyze", "manifold", run, "--data", data, "--dims", "0,7", "-o", "\(out)/a.png"], "dimension 7 does not exist; the model has z_dim = 2"),
            (["analyze", "manifold", run, "--data", data, "--dims", "0,x", "-o", "\(out)/a.png"], "--dims takes whole numbers"),
            (["analyze", "manifold", run, "--data", data, "--dims", "1,1", "-o", "\(out)/a.png"], "two different dimensions"),
            (["analyze", "manifold", run, "--data", data, "-o", "\(out)/a.jpg"], "must end in .png or .svg"),
            (["analyze", "manifold", "\(out)/missing.vaez", "-o", "\(out)/a.png"], "missing.vaez"),
            (["analyze", "traverse", run, "--data", data, "--range", "3,-3", "-o", "\(out)/a.png"], "--range takes two numbers, the lower first"),
            (["analyze", "traverse", run, "--data", data, "--dim", "5", "-o", "\(out)/a.png"], "dimension 5 does not exist"),
            (["analyze", "traverse", run, "--data", data, "--image", "99", "-o", "\(out)/a.png"], "--image 99 is outside the test set"),
            (["analyze", "scatter", run, "--data", data, "--pca", "--dims", "0,1", "-o", "\(out)/a.svg"], "--dims and --pca are alternatives"),
            (["analyze", "scatter", run, "--data", data, "-o", "\(out)/a.png"], "must end in .svg"),
            (["analyze", "reconstruct", run, "--data", data, "--noise", "2", "-o", "\(out)/a.png"], "noise fraction must be in [0, 1]"),
            (["analyze", "reconstruct", run, "--data", data, "--count", "0", "-o", "\(out)/a.png"], "--count must be from 1 to 100"),
            (["analyze", "dims", run, "--data", "/nonexistent", "-o", "\(out)/a.svg"], "missing /nonexistent/train-images"),
            (["analyze", "dims", run, "--data", data, "-o", "/nonexistent/dir/a.svg"], "/nonexistent/dir/a.svg"),
            (["eval", run, "--data", data, "--importance-samples", "0"], "--importance-samples must be at least 1"),
            (["eval", run, "--data", data, "--limit", "0"], "--limit must be at least 1"),
            (["plot", "\(out)/none.jsonl", "-o", "\(out)/c.svg"], "none.jsonl"),
            (["plot", "\(run)/model.vaez", "-o", "\(out)/c.svg"], "model.vaez, line 1"),
        ]
        for (arguments, message) in cases {
            let result = try runCommand(vae, arguments, directory: out)
            #expect(result.status != 0, "vae \(arguments.joined(separator: " ")) should fail")
            #expect(result.standardError.contains(message), "vae \(arguments.joined(separator: " ")): stderr was \(result.standardError)")
            #expect(!result.standardError.contains("Fatal error"), "no crash")
            #expect(result.standardError.split(separator: "\n").count == 1, "one line: \(result.standardError)")
        }
    }
}
