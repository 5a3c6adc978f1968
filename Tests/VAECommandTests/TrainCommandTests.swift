import Foundation
import Testing
import VAEFiles
import VAEImage
import VAETestSupport

@Suite("vae train, run as a user would", .serialized)
struct TrainCommandTests {
    let vae = builtExecutable("vae")

    func dataDirectory(train: Int = 200, test: Int = 40) throws -> String {
        let directory = temporaryDirectory()
        try writeSyntheticDataset(to: directory, trainCount: train, testCount: test, gzip: true)
        return directory
    }

    @Test func shortRunLearnsAndWritesDecodablePNGs() throws {
        let data = try dataDirectory()
        let out = temporaryDirectory() + "/run/nested"  // created by the trainer
        let result = try runCommand(vae, [
            "train", "--dataset", "mnist", "--data-dir", data, "--z-dim", "2", "--hidden", "64,32",
            "--epochs", "3", "--batch-size", "32", "--noise", "0.2", "--out", out, "--threads", "1",
        ], directory: temporaryDirectory())
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput.contains("epoch 3: train loss"))
        #expect(result.standardError.contains("epoch 1/3 batch"), "off a terminal: plain progress lines")

        let lines = try String(contentsOfFile: "\(out)/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        let losses = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(losses.count == 3)
        #expect((losses[2]["train_loss"] as! Double) < (losses[0]["train_loss"] as! Double))
        for key in ["epoch", "train_loss", "test_loss", "test_bce", "test_kl", "seconds", "samples_per_second"] {
            #expect(losses[0][key] != nil, "metrics.jsonl lacks \(key)")
        }

        let expectedSizes = [("reconstruction_3.png", 242, 62), ("sample_3.png", 242, 242), ("manifold_3.png", 560, 560)]
        for (name, width, height) in expectedSizes {
            let image = try PNG.decode(Files.read("\(out)/\(name)"), source: name)
            #expect(image.width == width && image.height == height, "\(name) is \(image.width)×\(image.height)")
            #expect(Set(image.pixels).count > 10, "\(name) should not be blank")
        }
    }

    @Test func killedRunResumesToTheSameWeights() throws {
        let data = try dataDirectory(train: 3000, test: 100)
        let base = temporaryDirectory()
        let common = ["train", "--dataset", "mnist", "--data-dir", data, "--z-dim", "3", "--hidden", "128",
                      "--epochs", "4", "--batch-size", "16", "--noise", "0.1", "--threads", "1", "--seed", "5"]

        let straight = try runCommand(vae, common + ["--out", "\(base)/straight"], directory: base)
        #expect(straight.status == 0, "stderr: \(straight.standardError)")

        // Kill -9 mid-way through epoch 2: after the first checkpoint, once the run reports epoch 2's progress
        // (a line every 50 of its 188 batches), with two epochs still to go. Then resume.
        let (process, logs) = try startCommand(
            vae, common + ["--out", "\(base)/killed", "--log-interval", "50"], directory: base)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let inEpoch2 = waitUntil(seconds: commandTimeout) {
            ((try? String(contentsOfFile: logs + ".err", encoding: .utf8)) ?? "").contains("epoch 2/4 batch")
        }
        #expect(inEpoch2, "the run reached epoch 2")
        #expect(FileManager.default.fileExists(atPath: "\(base)/killed/checkpoint.vaeckpt"))
        kill(process.processIdentifier, SIGKILL)
        try waitForExit(process, timeout: 30, what: "vae train after SIGKILL")
        #expect(process.terminationReason == .uncaughtSignal, "the run should have been killed before finishing")

        let resumed = try runCommand(vae, common + ["--out", "\(base)/killed", "--resume"], directory: base)
        #expect(resumed.status == 0, "stderr: \(resumed.standardError)")
        #expect(resumed.standardError.contains("resuming after epoch"))
        #expect(try checkpointWeights("\(base)/killed") == checkpointWeights("\(base)/straight"))
        let a = try String(contentsOfFile: "\(base)/straight/metrics.jsonl", encoding: .utf8)
        let b = try String(contentsOfFile: "\(base)/killed/metrics.jsonl", encoding: .utf8)
        #expect(a.split(separator: "\n").count == 4 && b.split(separator: "\n").count == 4)
        #expect(testLosses(a) == testLosses(b))
    }

    /// Ctrl-C in the middle of epoch 1: the run checkpoints where it is, says how to continue and exits 130; the
    /// resumed run ends with the weights of an uninterrupted one, bit for bit. The end names model.vaez and the
    /// next commands.
    @Test func interruptedRunCheckpointsMidEpochAndResumesToTheSameWeights() throws {
        let data = try dataDirectory(train: 6000, test: 100)
        let base = temporaryDirectory()
        let common = ["train", "--dataset", "mnist", "--data-dir", data, "--z-dim", "3", "--hidden", "128",
                      "--epochs", "2", "--batch-size", "8", "--noise", "0.1", "--threads", "1", "--seed", "5"]

        let straight = try runCommand(vae, common + ["--out", "\(base)/straight"], directory: base)
        #expect(straight.status == 0, "stderr: \(straight.standardError)")
        #expect(straight.standardOutput.contains("model written to \(base)/straight/model.vaez"), "\(straight.standardOutput)")
        #expect(straight.standardOutput.contains("vae export \(base)/straight")
                    && straight.standardOutput.contains("vaed --model mnist=\(base)/straight"), "\(straight.standardOutput)")

        // SIGINT once epoch 1 reports its 50th of 750 batches.
        let (process, logs) = try startCommand(
            vae, common + ["--out", "\(base)/stopped", "--log-interval", "50"], directory: base)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let inEpoch1 = waitUntil(seconds: commandTimeout) {
            ((try? String(contentsOfFile: logs + ".err", encoding: .utf8)) ?? "").contains("epoch 1/2 batch 50/")
        }
        #expect(inEpoch1, "the run reached batch 50 of epoch 1")
        kill(process.processIdentifier, SIGINT)
        try waitForExit(process, timeout: 60, what: "vae train after SIGINT")
        let stderr = (try? String(contentsOfFile: logs + ".err", encoding: .utf8)) ?? ""
        #expect(process.terminationReason == .exit && process.terminationStatus == 130, "stderr: \(stderr)")
        #expect(stderr.contains("stopped in epoch 1 after batch "), "a mid-epoch stop: \(stderr)")
        #expect(stderr.contains("saved \(base)/stopped/checkpoint.vaeckpt"), "stderr: \(stderr)")
        #expect(stderr.contains("continue with: vae train ") && stderr.contains(" --resume"), "stderr: \(stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(base)/stopped/model.vaez"))

        let resumed = try runCommand(vae, common + ["--out", "\(base)/stopped", "--resume"], directory: base)
        #expect(resumed.status == 0, "stderr: \(resumed.standardError)")
        #expect(resumed.standardError.contains("resuming in epoch 1 after batch "), "stderr: \(resumed.standardError)")
        #expect(try checkpointWeights("\(base)/stopped") == checkpointWeights("\(base)/straight"))
        let a = try String(contentsOfFile: "\(base)/straight/metrics.jsonl", encoding: .utf8)
        let b = try String(contentsOfFile: "\(base)/stopped/metrics.jsonl", encoding: .utf8)
        #expect(testLosses(a).count == 2 && testLosses(a) == testLosses(b))
    }

    /// On a terminal (a pseudo-terminal from script(1), 40 columns by $COLUMNS as it reports no size): every drawn
    /// progress line fits in 39 columns, and log lines are the message alone, without swift-log's timestamp.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1)"))
    func onATerminalProgressFitsTheWidthAndLogLinesAreShort() throws {
        let data = try dataDirectory(train: 2000, test: 40)
        let base = temporaryDirectory()
        let command = [vae, "train", "--dataset", "mnist", "--data-dir", data, "--z-dim", "2", "--hidden", "32",
                       "--epochs", "2", "--batch-size", "8", "--threads", "1", "--out", "\(base)/run"]
            .map { "'" + $0 + "'" }.joined(separator: " ")
        let result = try runCommand("/usr/bin/script", ["-qec", command, "/dev/null"], directory: base,
                                    environment: ["COLUMNS": "40"])
        #expect(result.status == 0, "output: \(result.standardOutput)")
        let pieces = result.standardOutput.replacingOccurrences(of: "\u{1B}[K", with: "")
            .split(whereSeparator: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }).map(String.init)
        let progress = pieces.filter { $0.hasPrefix("epoch ") && $0.contains("/250") }
        #expect(!progress.isEmpty, "output: \(result.standardOutput)")
        for line in progress { #expect(line.count <= 39, "\(line.count) columns: \(line)") }
        #expect(pieces.contains { $0.hasPrefix("loaded mnist: 2000 training") }, "output: \(result.standardOutput)")
        #expect(!pieces.contains { $0.contains("info vae.train") }, "output: \(result.standardOutput)")
    }

    /// With a fixed thread count and seed the GEMMs split their work the same way every time, so two runs give the
    /// same bits with two threads as with one.
    @Test func twoThreadRunsWithTheSameSeedGiveTheSameWeights() throws {
        let data = try dataDirectory(train: 1000, test: 100)
        let base = temporaryDirectory()
        let common = ["train", "--dataset", "mnist", "--data-dir", data, "--z-dim", "4", "--hidden", "256,128",
                      "--epochs", "2", "--batch-size", "64", "--noise", "0.1", "--threads", "2", "--seed", "11"]
        for name in ["a", "b"] {
            let run = try runCommand(vae, common + ["--out", "\(base)/\(name)"], directory: base)
            #expect(run.status == 0, "stderr: \(run.standardError)")
            #expect(run.standardError.contains("2 threads"), "stderr: \(run.standardError)")
        }
        #expect(try checkpointWeights("\(base)/a") == checkpointWeights("\(base)/b"))
        let a = try String(contentsOfFile: "\(base)/a/metrics.jsonl", encoding: .utf8)
        let b = try String(contentsOfFile: "\(base)/b/metrics.jsonl", encoding: .utf8)
        #expect(testLosses(a).count == 2 && testLosses(a) == testLosses(b))
    }

    @Test func resumeWithOtherSettingsIsRefusedWithAClearMessage() throws {
        let data = try dataDirectory(train: 64, test: 16)
        let base = temporaryDirectory(), out = base + "/run"
        let common = ["train", "--dataset", "mnist", "--data-dir", data, "--hidden", "32", "--epochs", "1",
                      "--batch-size", "16", "--threads", "1", "--out", out]
        let first = try runCommand(vae, common + ["--z-dim", "2"], directory: base)
        #expect(first.status == 0, "stderr: \(first.standardError)")
        let checkpoint = try Files.read("\(out)/checkpoint.vaeckpt")
        let metrics = try Files.read("\(out)/metrics.jsonl")

        let resumed = try runCommand(vae, common + ["--z-dim", "3", "--epochs", "2", "--resume"], directory: base)
        #expect(resumed.status == 1)
        // Before it, the log says what was loaded; the refusal is one line.
        let errors = resumed.standardError.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        #expect(errors.count == 1 && !resumed.standardError.contains("Fatal error"), "stderr: \(resumed.standardError)")
        let message = String(errors.first ?? "")
        #expect(
            message.hasPrefix("error: \(out)/checkpoint.vaeckpt was written by a run with other settings")
                && message.contains("or choose another --out"), "stderr: \(resumed.standardError)")
        // The message names the setting that differs, with both values, and no other.
        #expect(message.contains("(--z-dim 3 here, 2 in the checkpoint)"), "stderr: \(message)")
        #expect(try Files.read("\(out)/checkpoint.vaeckpt") == checkpoint, "the refused resume left the checkpoint alone")
        #expect(try Files.read("\(out)/metrics.jsonl") == metrics)
    }

    /// The checkpoint's parameter and moment block (the header differs only in the output folder).
    func checkpointWeights(_ directory: String) throws -> [UInt8] {
        let bytes = try Files.read("\(directory)/checkpoint.vaeckpt")
        let headerLength = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        return Array(bytes[(16 + headerLength)..<(bytes.count - 4)])
    }

    func testLosses(_ jsonl: String) -> [Double] {
        jsonl.split(separator: "\n").map {
            (try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["test_loss"] as! Double
        }
    }

    @Test(arguments: [
        (["--z-dim", "0"], "--z-dim must be at least 1"),
        (["--noise", "1.5"], "--noise must be a fraction in [0, 1]"),
        (
            ["--dataset", "cifar"],
            "The value 'cifar' is invalid for '--dataset <dataset>'. Please provide one of 'mnist' and 'fashion-mnist'."
        ),
        (["--model", "gan"], "The value 'gan' is invalid for '--model <model>'. Please provide one of 'vae' and 'ae'."),
        (["--hidden", "400,x"], "--hidden takes positive sizes"),
        (["--class", "9"], "class 9 has no images"),
        (["--data-dir", "/nonexistent/dir"], "missing /nonexistent/dir/train-images-idx3-ubyte.gz"),
        (["--out", "/etc/passwd/sub"], "cannot create directory /etc/passwd"),
    ])
    func badInputGetsAClearErrorAndNonZeroExit(arguments: [String], message: String) throws {
        let data = try dataDirectory(train: 20, test: 10)
        var base = ["train", "--dataset", "mnist", "--data-dir", data, "--epochs", "1", "--out", temporaryDirectory() + "/o"]
        // Later options win, so the bad value replaces the good one.
        base += arguments
        let result = try runCommand(vae, base, directory: temporaryDirectory())
        #expect(result.status != 0)
        #expect(result.standardError.contains(message), "stderr was: \(result.standardError)")
        #expect(!result.standardError.contains("Fatal error"), "no crash for a user error")
    }

    @Test func truncatedDatasetFileIsNamed() throws {
        let data = temporaryDirectory()
        try writeSyntheticDataset(to: data, trainCount: 20, testCount: 10)
        let path = "\(data)/train-images-idx3-ubyte"
        let bytes = try Files.read(path)
        try Data(bytes.dropLast(100)).write(to: URL(fileURLWithPath: path))
        let result = try runCommand(vae, ["train", "--dataset", "mnist", "--data-dir", data, "--out", temporaryDirectory()],
                                    directory: temporaryDirectory())
        #expect(result.status == 1)
        #expect(result.standardError.contains("\(path): truncated"), "stderr was: \(result.standardError)")
    }

    /// --dataset and --model are parsed as enums: the seed's spellings and any case are taken, anything else is a
    /// usage error (64), in train and in the analysis commands alike.
    @Test func enumOptionsTakeTheSeedSpellingsAndRefuseOthersAsUsageErrors() throws {
        let data = try dataDirectory(train: 20, test: 10), base = temporaryDirectory()
        let seed = try runCommand(
            vae, ["train", "--dataset", "MNIST", "--model", "AE", "--data-dir", data, "--hidden", "8", "--z-dim", "2",
                  "--epochs", "1", "--out", "\(base)/o"], directory: base)
        #expect(seed.status == 0, "\(seed.standardError)")
        #expect(seed.standardOutput.contains("vaed --model mnist=\(base)/o"), "\(seed.standardOutput)")
        for arguments in [["train", "--dataset", "cifar"], ["eval", "\(base)/o", "--dataset", "cifar"]] {
            let refused = try runCommand(vae, arguments, directory: base)
            #expect(refused.status == 64, "\(arguments): \(refused.standardError)")
            #expect(refused.standardError.contains("The value 'cifar' is invalid for '--dataset <dataset>'"))
        }
    }
}
