import Foundation
import Testing
import VAEFiles
import VAEImage
import VAETestSupport

/// `vae embed MODEL DATA`: every item of new data, read as the model's training data was, encoded.
@Suite("vae embed MODEL DATA, on new data", .serialized)
struct EmbedNewDataCommandTests {
    let vae = builtExecutable("vae")

    /// Runs `vae` and expects it to succeed.
    func succeed(_ arguments: [String], in directory: String) throws {
        let result = try runCommand(vae, arguments, directory: directory)
        #expect(result.status == 0, "vae \(arguments.joined(separator: " ")): \(result.standardError)")
    }

    /// Runs `vae`, expects one line on stderr containing every one of `words`, and returns it.
    func refusal(_ arguments: [String], in directory: String, saying words: [String]) throws {
        let result = try runCommand(vae, arguments, directory: directory)
        #expect(result.status == 1, "vae \(arguments.joined(separator: " ")) should fail")
        for word in words { #expect(result.standardError.contains(word), "stderr was \(result.standardError)") }
        #expect(result.standardError.split(separator: "\n").count == 1, "one line: \(result.standardError)")
    }

    typealias CodeRow = (split: String, label: String, className: String, mu: [Float])

    /// A codes CSV's rows by item name: split, label, class and mu.
    func codes(_ path: String) throws -> [String: CodeRow] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
        var rows: [String: CodeRow] = [:]
        for line in lines {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            rows[fields[0]] = (fields[1], fields[2], fields[3], fields[4...].map { Float($0)! })
        }
        #expect(rows.count == lines.count, "each item once")
        return rows
    }

    func expectClose(_ a: [Float], _ b: [Float], _ what: String) {
        #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(what): \(a) against \(b)")
    }

    /// An 8×8 grey image, `value` plus a pattern that depends on `i`.
    func image(_ value: Int, _ i: Int) -> PixelImage {
        PixelImage(
            width: 8, height: 8, channels: 1, pixels: (0..<64).map { UInt8(min(255, value + ($0 * 7 + i) % 30)) })
    }

    /// A model trained on 8×8 grey PNGs in class folders `dark` and `light`.
    func imageModel(in base: String) throws -> String {
        for (className, value) in [("dark", 20), ("light", 220)] {
            try Files.makeDirectory("\(base)/shapes/\(className)")
            for i in 0..<12 { try PNG.write(image(value, i), to: "\(base)/shapes/\(className)/\(i).png") }
        }
        try succeed(
            [
                "train", "--data", "\(base)/shapes", "--test-fraction", "0.25", "--hidden", "16", "--z-dim", "2",
                "--epochs", "1", "--threads", "1", "--out", "\(base)/run",
            ], in: base)
        return "\(base)/run/model.vaez"
    }

    @Test func aNewFolderOfPNGsGetsTheCodesVaedGivesForItsImages() throws {
        let base = temporaryDirectory()
        let model = try imageModel(in: base)
        let new = "\(base)/new"
        let images = [
            ("light/a.png", image(200, 3)), ("unknown/b.png", image(90, 5)), ("test/light/c.png", image(150, 1)),
        ]
        for (name, picture) in images {
            try Files.makeDirectory((("\(new)/\(name)") as NSString).deletingLastPathComponent)
            try PNG.write(picture, to: "\(new)/\(name)")
        }
        try succeed(["embed", model, new, "-o", "\(base)/codes.csv", "--threads", "1"], in: base)
        let rows = try codes("\(base)/codes.csv")
        #expect(rows.keys.sorted() == images.map(\.0).sorted())
        #expect(rows["light/a.png"]?.split == "train" && rows["test/light/c.png"]?.split == "test")
        #expect(rows["light/a.png"]?.label == "1" && rows["light/a.png"]?.className == "light", "matched by name")
        #expect(rows["unknown/b.png"]?.label == "" && rows["unknown/b.png"]?.className == "unknown")

        let daemon = try RunningDaemon(directory: base, arguments: ["--model", "m=\(model)"])
        defer { _ = daemon.stop() }
        let pixels = images.map { "[" + $0.1.pixels.map { String(Double($0) / 255) }.joined(separator: ",") + "]" }
        let answer = try LineClient(path: daemon.socket).call(
            #"{"id":1,"method":"encode","params":{"model":"m","images":[\#(pixels.joined(separator: ","))]}}"#)
        let mu = try #require((answer["result"] as? [String: Any])?["mu"] as? [[Double]], "\(answer)")
        for (i, (name, _)) in images.enumerated() {
            expectClose(rows[name]?.mu ?? [], mu[i].map { Float($0) }, name)
        }

        try succeed(["embed", model, new, "--limit", "2", "-o", "\(base)/two.csv"], in: base)
        #expect(try codes("\(base)/two.csv").keys.sorted() == ["light/a.png", "unknown/b.png"], "the first two")
        try Files.makeDirectory("\(base)/wrong")
        try PNG.write(
            PixelImage(width: 10, height: 10, channels: 1, pixels: [UInt8](repeating: 9, count: 100)),
            to: "\(base)/wrong/big.png")
        try refusal(
            ["embed", model, "\(base)/wrong", "-o", "\(base)/w.csv"], in: base,
            saying: ["\(base)/wrong/big.png is 10×10", "the model takes 8×8 images"])
        try refusal(
            ["embed", model, new, "--split", "all", "-o", "\(base)/w.csv"], in: base,
            saying: ["--split", "model's own data", "leave --split out"])
        try refusal(
            ["embed", model, new, "--data", "\(base)/shapes", "-o", "\(base)/w.csv"], in: base,
            saying: ["--data", "cannot be combined with DATA"])
        #expect(!FileManager.default.fileExists(atPath: "\(base)/w.csv"), "nothing written on a refusal")
    }

    /// Found by a new-user trial: an unknown class went unmentioned, a folder cannot be named "T-shirt/top", a CSV
    /// with a text label column given to an image model was refused for the text instead of for being a table.
    @Test func unknownClassesAreNotedAndSlashesMayBeSpelledInFolderNames() throws {
        let base = temporaryDirectory()
        let model = try imageModel(in: base)
        for (name, value) in [("other/a.png", 10), ("other/b.png", 30), ("light/c.png", 200)] {
            try Files.makeDirectory((("\(base)/new/\(name)") as NSString).deletingLastPathComponent)
            try PNG.write(image(value, 2), to: "\(base)/new/\(name)")
        }
        let result = try runCommand(vae, ["embed", model, "\(base)/new", "-o", "\(base)/codes.csv"], directory: base)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(
            result.standardError.contains("note: 2 items in classes the model does not know (other 2): the label is empty"),
            "\(result.standardError)")
        try Data("a,species\n1,adelie\n".utf8).write(to: URL(fileURLWithPath: "\(base)/penguins.csv"))
        try refusal(
            ["embed", model, "\(base)/penguins.csv", "-o", "\(base)/w.csv"], in: base,
            saying: ["penguins.csv is a .csv table but the model takes 8×8×1 images"])
    }

    /// Fashion-MNIST's class 0 is "T-shirt/top", which no folder can be named: `T-shirt_top` and `T-shirt-top` match it.
    @Test func aFolderNameSpellsASlashAsAnUnderscoreOrHyphen() throws {
        let base = temporaryDirectory()
        try Files.makeDirectory("\(base)/idx")
        try writeSyntheticDataset(to: "\(base)/idx", trainCount: 32, testCount: 8)
        try succeed(
            [
                "train", "--dataset", "fashion-mnist", "--data-dir", "\(base)/idx", "--hidden", "16", "--z-dim", "2",
                "--epochs", "1", "--threads", "1", "--out", "\(base)/run",
            ], in: base)
        let blank = PixelImage(width: 28, height: 28, channels: 1, pixels: [UInt8](repeating: 40, count: 784))
        for folder in ["T-shirt_top", "T-shirt-top", "T-shirt top", "Trouser"] {
            try Files.makeDirectory("\(base)/new/\(folder)")
            try PNG.write(blank, to: "\(base)/new/\(folder)/x.png")
        }
        try succeed(["embed", "\(base)/run", "\(base)/new", "-o", "\(base)/codes.csv"], in: base)
        let rows = try codes("\(base)/codes.csv")
        #expect(rows["T-shirt_top/x.png"]?.label == "0" && rows["T-shirt-top/x.png"]?.label == "0")
        #expect(rows["T-shirt top/x.png"]?.label == "", "a space is not a slash")
        #expect(rows["Trouser/x.png"]?.label == "1")
    }

    @Test func aTableIsStandardisedWithTheModelsStatistics() throws {
        let base = temporaryDirectory()
        var csv = "a,b,kind,c\n"
        for i in 0..<40 {
            csv += "\(Double(i) / 10 + 5),\(Double(i % 7) * 30),\(i % 3 == 0 ? "x" : "y"),\(i * i % 11)\n"
        }
        try csv.write(toFile: "\(base)/t.csv", atomically: true, encoding: .utf8)
        try succeed(
            [
                "train", "--data", "\(base)/t.csv", "--label-column", "kind", "--z-dim", "2", "--hidden", "8",
                "--epochs", "1", "--out", "\(base)/run", "--threads", "1",
            ], in: base)
        try succeed(["embed", "\(base)/run", "--split", "all", "-o", "\(base)/own.csv"], in: base)
        try succeed(["embed", "\(base)/run", "\(base)/t.csv", "-o", "\(base)/new.csv"], in: base)
        let own = try codes("\(base)/own.csv")
        let new = try codes("\(base)/new.csv")
        #expect(new.count == 40 && Set(new.keys) == Set(own.keys), "every row, named by its line")
        for (name, row) in new {
            expectClose(row.mu, own[name]?.mu ?? [], "line \(name)")
            #expect(row.split == "-" && row.label == own[name]?.label && row.className == own[name]?.className)
        }
        // Without the label column the rows are unlabelled; the codes stay the same.
        let unlabelled = csv.split(separator: "\n").map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).enumerated().filter { $0.offset != 2 }
                .map { String($0.element) }.joined(separator: ",")
        }
        try (unlabelled.joined(separator: "\n") + "\n").write(
            toFile: "\(base)/u.csv", atomically: true, encoding: .utf8)
        try succeed(["embed", "\(base)/run", "\(base)/u.csv", "-o", "\(base)/u-codes.csv"], in: base)
        let plain = try codes("\(base)/u-codes.csv")
        #expect(plain["2"]?.label == "" && plain["2"]?.className == "")
        expectClose(plain["2"]?.mu ?? [], own["2"]?.mu ?? [], "line 2 without labels")

        let bad: [(String, [String])] = [
            (
                "b,a,kind,c\n1,2,x,3\n",
                ["column 1 is 'b', but the model takes 'a' there", "'kind' aside", "the model's columns, in order: a, b, c"]
            ),
            ("a,b,c\n1,2\n", ["row 2 has 2 cells but the header has 3 columns"]),
            ("a,b,kind,c\n1,2,x,3\n4,oops,y,6\n", ["bad.csv: row 3, column b: 'oops' is not a finite number"]),
            ("a,b,kind,c\nNA,2,x,3\n", ["bad.csv: row 2, column a: missing value"]),
        ]
        for (text, words) in bad {
            try text.write(toFile: "\(base)/bad.csv", atomically: true, encoding: .utf8)
            try refusal(["embed", "\(base)/run", "\(base)/bad.csv", "-o", "\(base)/w.csv"], in: base, saying: words)
        }
        try Files.makeDirectory("\(base)/pictures")
        try PNG.write(image(0, 0), to: "\(base)/pictures/p.png")
        try refusal(
            ["embed", "\(base)/run", "\(base)/pictures", "-o", "\(base)/w.csv"], in: base,
            saying: ["is a folder of images but the model takes table rows of 3 features"])
    }

    /// An MNIST model (IDX files): its own test images, written as PNGs in digit folders and as .npy arrays of
    /// bytes and of floats, get the codes `vae embed --data` gives them.
    @Test func anIDXModelEmbedsItsTestImagesAsPNGsAndArraysAlike() throws {
        let base = temporaryDirectory()
        let data = "\(base)/idx"
        try Files.makeDirectory(data)
        try writeSyntheticDataset(to: data, trainCount: 64, testCount: 24)
        try succeed(
            [
                "train", "--dataset", "mnist", "--data-dir", data, "--hidden", "32,16", "--z-dim", "3",
                "--epochs", "1", "--out", "\(base)/run", "--threads", "1",
            ], in: base)
        try succeed(["embed", "\(base)/run", "--data", data, "-o", "\(base)/own.csv"], in: base)
        let own = try codes("\(base)/own.csv")
        let pixels = Array(try Files.read("\(data)/t10k-images-idx3-ubyte").dropFirst(16))
        let labels = Array(try Files.read("\(data)/t10k-labels-idx1-ubyte").dropFirst(8))
        #expect(pixels.count == 24 * 784 && labels.count == 24)

        try Data(npy(descr: "|u1", shape: "(24, 28, 28)", data: pixels)).write(
            to: URL(fileURLWithPath: "\(base)/u8.npy"))
        let floats = pixels.flatMap { withUnsafeBytes(of: (Float($0) / 255).bitPattern.littleEndian, Array.init) }
        try Data(npy(descr: "<f4", shape: "(24, 28, 28)", data: floats)).write(
            to: URL(fileURLWithPath: "\(base)/f4.npy"))
        for name in ["u8", "f4"] {
            try succeed(["embed", "\(base)/run", "\(base)/\(name).npy", "-o", "\(base)/\(name).csv"], in: base)
            let rows = try codes("\(base)/\(name).csv")
            #expect(rows.count == 24 && rows.values.allSatisfy { $0.split == "-" && $0.label == "" })
            for i in 0..<24 { expectClose(rows[String(i)]?.mu ?? [], own[String(i)]?.mu ?? [], "\(name) item \(i)") }
        }

        for i in 0..<24 {
            let image = PixelImage(
                width: 28, height: 28, channels: 1, pixels: Array(pixels[(i * 784)..<((i + 1) * 784)]))
            try Files.makeDirectory("\(base)/pngs/\(labels[i])")
            try PNG.write(image, to: "\(base)/pngs/\(labels[i])/\(i).png")
        }
        try succeed(["embed", "\(base)/run", "\(base)/pngs", "-o", "\(base)/pngs.csv"], in: base)
        let rows = try codes("\(base)/pngs.csv")
        #expect(rows.count == 24)
        for i in 0..<24 {
            let row = rows["\(labels[i])/\(i).png"]
            #expect(row?.label == String(labels[i]) && row?.className == String(labels[i]), "MNIST's classes by name")
            expectClose(row?.mu ?? [], own[String(i)]?.mu ?? [], "PNG \(i)")
        }
    }

    /// The bytes of an .npy file, its header padded to 64 bytes as numpy does.
    func npy(descr: String, shape: String, data: [UInt8]) -> [UInt8] {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = header.utf8.count
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
            + Array(header.utf8) + data
    }
}
