import Foundation
import Testing
import VAEFiles
import VAEImage
import VAETestSupport

@Suite("vae train --data, on the user's own files", .serialized)
struct OwnDataCommandTests {
    let vae = builtExecutable("vae")

    func train(_ arguments: [String]) throws -> CommandResult {
        let base = temporaryDirectory()
        return try runCommand(
            vae,
            [
                "train", "--hidden", "16", "--z-dim", "2", "--epochs", "1", "--batch-size", "8",
                "--threads", "1", "--out", "\(base)/run",
            ] + arguments, directory: base)
    }

    @Test func trainsOnAFolderOfPNGs() throws {
        let folder = temporaryDirectory() + "/shapes"
        for (className, value) in [("dark", 20), ("light", 220)] {
            for i in 0..<12 {
                let pixels = (0..<64).map { UInt8(min(255, value + ($0 * 7 + i) % 30)) }
                try Files.makeDirectory("\(folder)/\(className)")
                try PNG.write(
                    PixelImage(width: 8, height: 8, channels: 1, pixels: pixels), to: "\(folder)/\(className)/\(i).png")
            }
        }
        let result = try train(["--data", folder, "--test-fraction", "0.25"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let log = result.standardOutput + result.standardError
        #expect(log.contains("loaded shapes: 18 training and 6 test images of 8×8, 2 classes"), "\(log)")
        #expect(result.standardOutput.contains("model written to"))
        let one = try train(["--data", folder, "--test-fraction", "0.25", "--class", "1"])
        #expect(one.status == 0, "stderr: \(one.standardError)")
        #expect((one.standardOutput + one.standardError).contains("images of 8×8, class 1 (light) only"))
        let named = try train(["--data", folder, "--test-fraction", "0.25", "--class", "light"])
        #expect(named.status == 0, "stderr: \(named.standardError)")
        #expect((named.standardOutput + named.standardError).contains("images of 8×8, class 1 (light) only"))
        let unknown = try train(["--data", folder, "--test-fraction", "0.25", "--class", "medium"])
        #expect(unknown.status == 1)
        #expect(
            unknown.standardError.contains("--class medium: shapes has no such class (its classes: dark, light)"),
            "\(unknown.standardError)")
    }

    @Test func trainsOnAnNPYOfImages() throws {
        let path = temporaryDirectory() + "/digits.npy"
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (20, 6, 6), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = header.utf8.count
        let bytes: [UInt8] =
            [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
            + Array(header.utf8) + (0..<(20 * 36)).map { UInt8(($0 * 37) % 256) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let result = try train(["--data", path])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let log = result.standardOutput + result.standardError
        #expect(log.contains("loaded digits: 18 training and 2 test images of 6×6, unlabelled"), "\(log)")
    }

    /// Found by a new-user trial: a model trained on an image array recorded the array's channels, and every
    /// analysis then refused to read the array again ("--channels is for folders of images").
    @Test func aModelOfAnImageArrayIsAnalysedOnItsOwnData() throws {
        let base = temporaryDirectory()
        let path = "\(base)/digits.npy"
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (40, 6, 6), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let bytes: [UInt8] =
            [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
            + Array(header.utf8) + (0..<(40 * 36)).map { UInt8(($0 * 37) % 256) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let run = "\(base)/run"
        let trained = try runCommand(
            vae, ["train", "--data", path, "--hidden", "16", "--z-dim", "2", "--epochs", "1", "--threads", "1",
                  "--out", run], directory: base)
        try #require(trained.status == 0, "\(trained.standardError)")
        for arguments in [["embed", run, "-o", "\(base)/codes.csv"], ["analyze", "dims", run, "-o", "\(base)/d.svg"],
                          ["eval", run, "--importance-samples", "4"]] {
            let result = try runCommand(vae, arguments, directory: base)
            #expect(result.status == 0, "vae \(arguments.joined(separator: " ")): \(result.standardError)")
        }
        // Another kind of data under --data is named as such, not refused for options the user never gave.
        let csv = "\(base)/t.csv"
        try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: csv))
        let other = try runCommand(vae, ["analyze", "dims", run, "--data", csv, "-o", "\(base)/d.svg"], directory: base)
        #expect(other.status == 1)
        #expect(
            other.standardError.contains("\(csv) is a .csv table, but the model was trained on an .npy array (\(path))"),
            "\(other.standardError)")
    }

    /// A second run into a folder that holds one would replace its model and checkpoint: it takes --overwrite.
    @Test func anEarlierRunIsNotReplacedSilently() throws {
        let base = temporaryDirectory()
        let csv = "\(base)/t.csv"
        try Data(("a,b\n" + (0..<20).map { "\($0),\($0 * 2 % 7)\n" }.joined()).utf8).write(to: URL(fileURLWithPath: csv))
        let arguments = ["train", "--data", csv, "--hidden", "8", "--z-dim", "1", "--epochs", "1", "--threads", "1",
                         "--out", "\(base)/run"]
        #expect(try runCommand(vae, arguments, directory: base).status == 0)
        let model = try Data(contentsOf: URL(fileURLWithPath: "\(base)/run/model.vaez"))
        let again = try runCommand(vae, arguments + ["--seed", "2"], directory: base)
        #expect(again.status == 1)
        #expect(
            again.standardError.contains(
                "\(base)/run already holds a training run (model.vaez, checkpoint.vaeckpt): --resume continues it, --overwrite trains again in its place, or choose another --out"),
            "\(again.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(base)/run/model.vaez")) == model, "left as it was")
        for name in ["sample_7.png", "notes.txt"] { try Data([1]).write(to: URL(fileURLWithPath: "\(base)/run/\(name)")) }
        #expect(try runCommand(vae, arguments + ["--seed", "2", "--overwrite"], directory: base).status == 0)
        #expect(!Files.exists("\(base)/run/sample_7.png"), "the earlier run's epoch images go")
        #expect(Files.exists("\(base)/run/notes.txt"), "other files stay")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(base)/run/model.vaez")) != model)
        let both = try runCommand(vae, arguments + ["--overwrite", "--resume"], directory: base)
        #expect(both.status == 64 && both.standardError.contains("--resume continues the run in the output folder; --overwrite replaces it"))
    }

    @Test(arguments: [
        (
            ["--data", "/tmp", "--dataset", "mnist"],
            "--data reads your own files; it cannot be combined with --dataset or --data-dir"
        ),
        (["--resize", "28x28"], "--resize applies to --data only"),
        (["--data", "x.csv", "--resize", "28"], "--resize takes HEIGHTxWIDTH in pixels"),
        (["--data", "/nonexistent/x.npy"], "/nonexistent/x.npy: no such file or folder"),
    ])
    func optionMistakesAreRefused(arguments: [String], message: String) throws {
        let result = try train(arguments)
        #expect(result.status != 0)
        #expect(result.standardError.contains(message), "stderr: \(result.standardError)")
        #expect(!result.standardError.contains("Fatal error"))
    }

    @Test func noiseIsRefusedForATableAndCSVErrorsNameTheCell() throws {
        let folder = temporaryDirectory()
        let csv = "\(folder)/t.csv"
        try Data("a,b,kind\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n".utf8).write(to: URL(fileURLWithPath: csv))
        let noisy = try train(["--data", csv, "--label-column", "kind", "--test-fraction", "0.5", "--noise", "0.1"])
        #expect(noisy.status == 1)
        #expect(
            noisy.standardError.contains("--noise (denoising) is defined for pixels in [0, 1]"),
            "\(noisy.standardError)")
        let bad = "\(folder)/bad.csv"
        try Data("a,b\n1,2\n3,oops\n".utf8).write(to: URL(fileURLWithPath: bad))
        let refused = try train(["--data", bad])
        #expect(
            refused.standardError.contains("\(bad): row 3, column b: 'oops' is not a finite number"),
            "\(refused.standardError)")
    }
}
