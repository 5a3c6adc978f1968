import Foundation
import Testing
import VAEFiles
import VAETestSupport

@Suite("vae export, inspect, verify, convert", .serialized)
struct ModelCommandTests {
    let vae = builtExecutable("vae")
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A small trained model (synthetic data, 2 epochs) and its run folder.
    func trainedRun() throws -> String {
        let data = temporaryDirectory()
        try writeSyntheticDataset(to: data, trainCount: 64, testCount: 16)
        let out = temporaryDirectory() + "/run"
        let result = try runCommand(vae, ["train", "--dataset", "mnist", "--data-dir", data, "--hidden", "32,16",
                                          "--z-dim", "3", "--epochs", "2", "--out", out, "--threads", "1"],
                                    directory: temporaryDirectory())
        #expect(result.status == 0, "stderr: \(result.standardError)")
        return out
    }

    func python(_ arguments: [String]) throws -> CommandResult {
        try runCommand("/usr/bin/env", ["python3", "\(root)/Tools/vaez.py"] + arguments, directory: temporaryDirectory())
    }

    @Test func trainingWritesAModelThatInspectsAndVerifies() throws {
        let run = try trainedRun()
        let inspect = try runCommand(vae, ["inspect", run, "--json"], directory: run)
        #expect(inspect.status == 0, "stderr: \(inspect.standardError)")
        let report = try JSONSerialization.jsonObject(with: Data(inspect.standardOutput.utf8)) as! [String: Any]
        let metadata = report["metadata"] as! [String: Any]
        let architecture = metadata["architecture"] as! [String: Any]
        #expect(architecture["hidden"] as? [Int] == [32, 16] && architecture["z_dim"] as? Int == 3)
        let training = metadata["training"] as! [String: Any]
        #expect(training["epochs"] as? Int == 2 && training["lr"] as? Double == 0.001)
        #expect(((training["dataset"] as! [String: Any])["sha256"] as? String)?.count == 64)
        #expect(((metadata["latent"] as! [String: Any])["mean"] as? [Double])?.count == 3)
        #expect((report["tensors"] as! [[String: Any]]).count == 14)

        let text = try runCommand(vae, ["inspect", "\(run)/model.vaez"], directory: run)
        #expect(text.standardOutput.contains("vae 784-32-16-z3"))
        #expect(try python(["verify", "\(run)/model.vaez"]).status == 0, "the Python reference accepts the Swift file")
    }

    @Test func exportsShrinkAndStayReadableByBothReaders() throws {
        let run = try trainedRun()
        var sizes: [String: Int] = [:]
        for dtype in ["f32", "f16", "bf16", "int8"] {
            let path = "\(run)/m-\(dtype).vaez"
            let result = try runCommand(vae, ["export", run, "--dtype", dtype, "-o", path], directory: run)
            #expect(result.status == 0, "stderr: \(result.standardError)")
            sizes[dtype] = try Files.read(path).count
            #expect(try runCommand(vae, ["verify", path], directory: run).status == 0)
            #expect(try python(["verify", path]).status == 0, "\(dtype)")
        }
        #expect(sizes["f16"]! < sizes["f32"]! && sizes["int8"]! < sizes["f16"]!)
        #expect(try Files.read("\(run)/m-f32.vaez") == Files.read("\(run)/model.vaez"), "f32 export of an f32 file is the same file")
        let bad = try runCommand(vae, ["export", run, "--dtype", "f8", "-o", "\(run)/x.vaez"], directory: run)
        #expect(bad.status == 64, "a usage error: \(bad.standardError)")
        #expect(
            bad.standardError.contains("Please provide one of 'f32', 'f16', 'bf16' or 'int8'"), "\(bad.standardError)")
    }

    @Test func verifyNamesTheBrokenRuleAndFailsForAFlippedByte() throws {
        let run = try trainedRun()
        var bytes = try Files.read("\(run)/model.vaez")
        bytes[bytes.count / 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: "\(run)/bad.vaez"))
        let result = try runCommand(vae, ["verify", "\(run)/model.vaez", "\(run)/bad.vaez"], directory: run)
        #expect(result.status == 1)
        #expect(result.standardOutput.contains("model.vaez: ok"))
        #expect(result.standardOutput.contains("bad.vaez: sha256_mismatch"), "got: \(result.standardOutput)")
        let inspect = try runCommand(vae, ["inspect", "\(run)/bad.vaez"], directory: run)
        #expect(inspect.status == 1 && inspect.standardError.contains("sha256_mismatch"))
        let missing = try runCommand(vae, ["inspect", temporaryDirectory()], directory: run)
        #expect(missing.status == 1 && missing.standardError.contains("has no model.vaez"))
    }

    /// `inspect` shows the data description (format 1.1) in a line or two within 80 columns, and its JSON carries it.
    @Test func inspectShowsTheDataDescription() throws {
        let vectors = "\(root)/Formats/vectors"
        let work = temporaryDirectory()  // runCommand keeps its logs in the working directory: not the vectors
        let table = try runCommand(vae, ["inspect", "\(vectors)/table-gaussian-f32.vaez"], directory: work)
        #expect(table.status == 0, "stderr: \(table.standardError)")
        let lines = table.standardOutput.split(separator: "\n").map(String.init)
        let at = try #require(lines.firstIndex { $0.hasPrefix("data ") }, "\(lines)")
        #expect(lines[at] == "data       table, gaussian (variance 0.25), normalised, 2 classes: dry, wet")
        #expect(lines[at + 1] == "           5 features: température, pressure, humidity, wind_speed, rainfall")
        #expect(lines[at].count <= 80 && lines[at + 1].count <= 80)
        #expect(lines.contains("           input 5 values (a table row), relu hidden, identity output"), "\(lines)")
        let header = lines.prefix { !$0.hasPrefix("  ") }  // the tensor table's names may be long
        #expect(header.allSatisfy { $0.count <= 80 || $0.hasPrefix("/") }, "within 80 columns: \(header)")
        let plain = try runCommand(vae, ["inspect", "\(vectors)/vae-f32.vaez"], directory: work)
        #expect(plain.standardOutput.contains("\ndata       image, bernoulli (not recorded: the 1.0 default)\n"))
        let json = try runCommand(vae, ["inspect", "--json", "\(vectors)/table-gaussian-f32.vaez"], directory: work)
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let data = try #require((report["metadata"] as? [String: Any])?["data"] as? [String: Any])
        #expect(data["variance"] as? Double == 0.25 && (data["features"] as? [String])?.count == 5)
        #expect((report["file"] as? [String: Any])?["format_version"] as? String == "1.1")
    }

    /// Long name lists are cut to fit, ending in "…".
    @Test func inspectAbbreviatesLongNameLists() throws {
        let directory = temporaryDirectory()
        let python = """
            import copy, sys
            sys.path.insert(0, "\(root)/Tools")
            import vaez, make_vectors
            meta = copy.deepcopy(vaez.read("\(root)/Formats/vectors/table-gaussian-f32.vaez").metadata)
            meta["architecture"]["input"]["width"] = 300
            meta["data"]["normalisation"] = None
            meta["data"]["features"] = [f"feature_{i}" for i in range(300)]
            meta["data"]["classes"] = ["a" * 100, "b"]
            vaez.write("\(directory)/wide.vaez", meta, make_vectors.make_weights(meta["architecture"], 1))
            """
        let made = try runCommand("/usr/bin/env", ["python3", "-c", python], directory: directory)
        #expect(made.status == 0, "\(made.standardError)")
        let text = try runCommand(vae, ["inspect", "\(directory)/wide.vaez"], directory: directory)
        let lines = text.standardOutput.split(separator: "\n").map(String.init)
        let at = try #require(lines.firstIndex { $0.hasPrefix("data ") }, "\(text.standardError)")
        #expect(lines[at] == "data       table, gaussian (variance 0.25), not normalised, 2 classes: …")
        // One more name would pass 80 columns.
        #expect(lines[at + 1] == "           300 features: feature_0, feature_1, feature_2, feature_3, …")
    }

    /// Like `inspect`, `verify` takes a training folder (its model.vaez); every failure names its path once.
    @Test func verifyAcceptsATrainingFolderAndNamesAPathOnce() throws {
        let run = try trainedRun()
        let folder = try runCommand(vae, ["verify", run], directory: run)
        #expect(folder.status == 0, "stdout: \(folder.standardOutput)")
        #expect(folder.standardOutput.hasPrefix("\(run)/model.vaez: ok"), "stdout: \(folder.standardOutput)")

        let empty = temporaryDirectory(), missing = "\(empty)/none.vaez"
        let bad = try runCommand(vae, ["verify", empty, missing, run], directory: run)
        #expect(bad.status == 1)
        let lines = bad.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "stdout: \(bad.standardOutput)")
        #expect(lines.first?.contains("has no model.vaez") == true, "stdout: \(bad.standardOutput)")
        #expect(lines.dropFirst().first?.components(separatedBy: missing).count == 2, "the path once: \(bad.standardOutput)")
        #expect(lines.last?.hasPrefix("\(run)/model.vaez: ok") == true)
    }

    /// `--threads` says its default once ("all cores"), not also this machine's count; usage errors exit 64.
    @Test(arguments: [["train"], ["bench", "training"], ["eval"], ["analyze", "dims"]])
    func threadsHelpGivesOneDefaultAndUsageErrorsExit64(subcommand: [String]) throws {
        let help = try runCommand(vae, subcommand + ["--help"], directory: temporaryDirectory())
        let text = help.standardOutput.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("(default: all cores)"), "help: \(help.standardOutput)")
        #expect(!text.contains("all cores). (default:"), "help: \(help.standardOutput)")
        let usage = try runCommand(vae, subcommand + ["--no-such-option"], directory: temporaryDirectory())
        #expect(usage.status == 64, "stderr: \(usage.standardError)")
    }

    @Test func safetensorsRoundTripIsByteIdenticalAndMatchesThePythonReference() throws {
        let run = try trainedRun()
        #expect(try runCommand(vae, ["convert", "\(run)/model.vaez", "\(run)/m.safetensors"], directory: run).status == 0)
        #expect(try runCommand(vae, ["convert", "\(run)/m.safetensors", "\(run)/back.vaez"], directory: run).status == 0)
        #expect(try Files.read("\(run)/back.vaez") == Files.read("\(run)/model.vaez"))
        // An existing output is refused (exit 1, naming it) unless --overwrite, for every output kind.
        for output in ["m.safetensors", "back.vaez"] {
            let input = output == "back.vaez" ? "\(run)/m.safetensors" : "\(run)/model.vaez"
            let again = try runCommand(vae, ["convert", input, "\(run)/\(output)"], directory: run)
            #expect(again.status == 1 && again.standardError.contains("\(output) already exists"),
                    "stderr: \(again.standardError)")
            #expect(again.standardError.contains("pass --overwrite to replace it"))
            let replaced = try runCommand(vae, ["convert", input, "\(run)/\(output)", "--overwrite"], directory: run)
            #expect(replaced.status == 0, "stderr: \(replaced.standardError)")
        }
        #expect(try python(["to-safetensors", "\(run)/model.vaez", "\(run)/py.safetensors"]).status == 0)
        #expect(try Files.read("\(run)/py.safetensors") == Files.read("\(run)/m.safetensors"))
    }

    /// The writer reads SOURCE_DATE_EPOCH from its own environment (set here for the child only: changing this
    /// process's environment would race with every test running beside this one).
    @Test func sourceDateEpochInTheEnvironmentSetsTheCreatedTime() throws {
        let run = try trainedRun()
        #expect(try runCommand(vae, ["convert", "\(run)/model.vaez", "\(run)/m.safetensors"], directory: run).status == 0)
        func created(_ path: String) throws -> String? {
            let inspect = try runCommand(vae, ["inspect", path, "--json"], directory: run)
            let report = try JSONSerialization.jsonObject(with: Data(inspect.standardOutput.utf8)) as? [String: Any]
            return (report?["metadata"] as? [String: Any])?["created"] as? String
        }
        let stamped = try runCommand(
            vae, ["convert", "\(run)/m.safetensors", "\(run)/stamped.vaez"], directory: run,
            environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        #expect(stamped.status == 0, "stderr: \(stamped.standardError)")
        #expect(try created("\(run)/stamped.vaez") == "2023-11-14T22:13:20Z")
        let unset = try runCommand(
            vae, ["convert", "\(run)/m.safetensors", "\(run)/kept.vaez"], directory: run,
            environment: ["SOURCE_DATE_EPOCH": nil])
        #expect(unset.status == 0, "stderr: \(unset.standardError)")
        #expect(try created("\(run)/kept.vaez") == created("\(run)/model.vaez"), "unset: the model's own time is kept")
        let invalid = try runCommand(
            vae, ["convert", "\(run)/m.safetensors", "\(run)/never.vaez"], directory: run,
            environment: ["SOURCE_DATE_EPOCH": "soon"])
        #expect(invalid.status != 0 && invalid.standardError.contains("SOURCE_DATE_EPOCH=soon is not a valid Unix time"),
                "stderr: \(invalid.standardError)")
        #expect(!FileManager.default.fileExists(atPath: "\(run)/never.vaez"))
    }

    /// The header object and data block of a safetensors file.
    func safetensorsParts(_ path: String) throws -> ([String: Any], [UInt8]) {
        let bytes = try Files.read(path)
        let length = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as! [String: Any]
        return (header, Array(bytes[(8 + length)...]))
    }

    static let pytorchExamples = ["encoder.0": "fc1", "mu": "fc21", "logvar": "fc22", "decoder.0": "fc3", "decoder.1": "fc4"]
    static let seedProject = [
        "encoder.0": "fc1", "encoder.1": "fc2", "encoder.2": "fc3", "mu": "fc41", "logvar": "fc42",
        "decoder.0": "fc5", "decoder.1": "fc6", "decoder.2": "fc7", "decoder.3": "fc8",
    ]

    /// pytorch/examples' VAE has one hidden layer, the seed project's three; "fc3" means a different layer in each.
    @Test(arguments: [("24", [24], pytorchExamples), ("24,16,8", [24, 16, 8], seedProject)])
    func importsForeignTensorNames(hiddenOption: String, hidden: [Int], names: [String: String]) throws {
        let data = temporaryDirectory()
        try writeSyntheticDataset(to: data, trainCount: 32, testCount: 8)
        let run = temporaryDirectory() + "/one"
        let trained = try runCommand(vae, ["train", "--dataset", "mnist", "--data-dir", data, "--hidden", hiddenOption,
                                           "--z-dim", "2", "--epochs", "1", "--out", run], directory: data)
        #expect(trained.status == 0, "stderr: \(trained.standardError)")
        #expect(try runCommand(vae, ["convert", "\(run)/model.vaez", "\(run)/m.safetensors"], directory: run).status == 0)
        var (header, block) = try safetensorsParts("\(run)/m.safetensors")
        header.removeValue(forKey: "__metadata__")
        var renamed: [String: Any] = [:]
        for (name, info) in header {
            let layer = String(name[..<name.lastIndex(of: ".")!]), parameter = name.split(separator: ".").last!
            renamed["\(names[layer]!).\(parameter)"] = info
        }
        var newHeader = try JSONSerialization.data(withJSONObject: renamed)
        newHeader += Data(repeating: 0x20, count: (8 - newHeader.count % 8) % 8)
        var file = Data()
        withUnsafeBytes(of: UInt64(newHeader.count).littleEndian) { file.append(contentsOf: $0) }
        file += newHeader + Data(block)
        try file.write(to: URL(fileURLWithPath: "\(run)/examples.safetensors"))

        let result = try runCommand(vae, ["convert", "\(run)/examples.safetensors", "\(run)/imported.vaez"], directory: run)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let inspect = try runCommand(vae, ["inspect", "\(run)/imported.vaez", "--json"], directory: run)
        let report = try JSONSerialization.jsonObject(with: Data(inspect.standardOutput.utf8)) as! [String: Any]
        let architecture = (report["metadata"] as! [String: Any])["architecture"] as! [String: Any]
        #expect(architecture["hidden"] as? [Int] == hidden && architecture["kind"] as? String == "vae")
        // The same weights: exporting the import again gives the original data block.
        #expect(try runCommand(vae, ["convert", "\(run)/imported.vaez", "\(run)/again.safetensors"], directory: run).status == 0)
        #expect(try safetensorsParts("\(run)/again.safetensors").1 == block)
        // .onnx is an output since `vae convert … .onnx --part` (VAEExportTests, Tools/tests/test_onnx_export.py).
        let unknown = try runCommand(vae, ["convert", "\(run)/model.vaez", "\(run)/x.pt"], directory: run)
        #expect(unknown.status == 64 && unknown.standardError.contains("OUTPUT must end in .vaez, .safetensors or .onnx"))
        #expect(unknown.standardError.contains("Usage: vae convert <input> <output>"), "convert's usage, not vae's")
        let noPart = try runCommand(vae, ["convert", "\(run)/model.vaez", "\(run)/x.onnx"], directory: run)
        #expect(noPart.status == 64 && noPart.standardError.contains("a .onnx output needs --part"))
    }
}
