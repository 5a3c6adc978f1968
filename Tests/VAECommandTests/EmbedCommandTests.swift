import Foundation
import Testing
import VAETestSupport

@Suite("vae embed, run as a user would", .serialized)
struct EmbedCommandTests {
    let vae = builtExecutable("vae")

    func trainedRun(model: String) throws -> (run: String, data: String) {
        let data = temporaryDirectory()
        try writeSyntheticDataset(to: data, trainCount: 64, testCount: 24)
        let run = temporaryDirectory() + "/run"
        let result = try runCommand(vae, ["train", "--dataset", "mnist", "--data-dir", data, "--model", model,
                                          "--hidden", "32,16", "--z-dim", "3", "--epochs", "1", "--out", run,
                                          "--threads", "1"],
                                    directory: temporaryDirectory())
        #expect(result.status == 0, "stderr: \(result.standardError)")
        return (run, data)
    }

    /// The float32 values of a C-ordered `.npy` file and its header text.
    func npy(_ path: String) throws -> (header: String, values: [Float]) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0, "numpy aligns the data to 64 bytes")
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        let data = bytes[(10 + headerLength)...]
        let values = stride(from: data.startIndex, to: data.endIndex, by: 4).map { i in
            Float(bitPattern: UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
        }
        return (header, values)
    }

    @Test func csvAndNPYHoldTheSameCodesOfEveryTestItem() throws {
        let (run, data) = try trainedRun(model: "vae")
        let out = temporaryDirectory()
        _ = try runCommand(vae, ["embed", run, "--data", data, "--logvar", "-o", "\(out)/codes.csv"], directory: out)
        _ = try runCommand(vae, ["embed", run, "--data", data, "--logvar", "-o", "\(out)/codes.npy"], directory: out)
        _ = try runCommand(vae, ["embed", run, "--data", data, "-o", "\(out)/mu.npy"], directory: out)
        let lines = try String(contentsOfFile: "\(out)/codes.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "item,split,label,class,mu_0,mu_1,mu_2,logvar_0,logvar_1,logvar_2")
        #expect(lines.count == 25, "a header and one row per test image")
        let rows = lines.dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(rows.map { $0[0] } == (0..<24).map(String.init))
        #expect(rows.allSatisfy { $0[1] == "test" && $0[2] == $0[3] }, "MNIST's class names are its digits")
        let csvValues = rows.flatMap { $0[4...].map { Float($0)! } }

        let withLogvar = try npy("\(out)/codes.npy")
        #expect(withLogvar.header.contains("'descr': '<f4'") && withLogvar.header.contains("'shape': (24, 6)"))
        #expect(withLogvar.values == csvValues, "the CSV writes each float exactly (shortest round trip)")
        let means = try npy("\(out)/mu.npy")
        #expect(means.header.contains("'shape': (24, 3)"))
        #expect(means.values == stride(from: 0, to: csvValues.count, by: 6).flatMap { csvValues[$0..<($0 + 3)] })
        #expect(csvValues.allSatisfy(\.isFinite) && Set(csvValues).count > 24, "codes differ between images")

        _ = try runCommand(vae, ["embed", run, "--data", data, "--split", "all", "-o", "\(out)/all.csv"], directory: out)
        let all = try String(contentsOfFile: "\(out)/all.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(all.count == 64 + 24, "the training split, then the test split")
        #expect(all.prefix(64).allSatisfy { $0.split(separator: ",")[1] == "train" })
        #expect(all.suffix(24).allSatisfy { $0.split(separator: ",")[1] == "test" })
        // --limit keeps the first N items written, from whichever splits (a trial found it ignored for train).
        for (split, limit, expected) in [("train", 3, ["train", "train", "train"]), ("all", 66, Array(repeating: "train", count: 64) + ["test", "test"])] {
            let result = try runCommand(
                vae, ["embed", run, "--data", data, "--split", split, "--limit", "\(limit)", "-o", "\(out)/l.csv"],
                directory: out)
            #expect(result.status == 0, "\(result.standardError)")
            let rows = try String(contentsOfFile: "\(out)/l.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            #expect(rows.map { String($0.split(separator: ",")[1]) } == expected, "--split \(split) --limit \(limit)")
        }
    }

    /// A model trained on a CSV table: embed reads the table again from where the model says it was trained and
    /// names each row by its line in the file; unlabelled rows have empty label fields.
    @Test func ownDataRowsAreNamedByTheirLine() throws {
        let directory = temporaryDirectory()
        var csv = "a,b,c\n"
        for i in 0..<40 { csv += "\(Double(i) / 10),\(Double(i % 7)),\(Double(i * i % 11))\n" }
        try csv.write(toFile: "\(directory)/t.csv", atomically: true, encoding: .utf8)
        let trained = try runCommand(vae, ["train", "--data", "\(directory)/t.csv", "--z-dim", "2", "--hidden", "8",
                                           "--epochs", "1", "--out", "\(directory)/run", "--threads", "1"],
                                     directory: directory)
        #expect(trained.status == 0, "stderr: \(trained.standardError)")
        let result = try runCommand(vae, ["embed", "\(directory)/run", "--split", "all", "-o", "\(directory)/codes.csv"],
                                    directory: directory)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let rows = try String(contentsOfFile: "\(directory)/codes.csv", encoding: .utf8).split(separator: "\n")
            .dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 40)
        #expect(Set(rows.map { $0[0] }).count == 40, "each row is named once")
        #expect(rows.allSatisfy { $0[2].isEmpty && $0[3].isEmpty }, "no labels")
    }

    @Test func badRequestsAreRefusedWithOneClearLine() throws {
        let (run, data) = try trainedRun(model: "ae")
        let out = temporaryDirectory()
        let cases: [([String], String)] = [
            (["embed", run, "--data", data, "--logvar", "-o", "\(out)/a.csv"], "an AE has no logvar"),
            (["embed", run, "--data", data, "-o", "\(out)/a.txt"], "must end in .csv or .npy"),
            (["embed", run, "--data", data, "-o", "/nonexistent/dir/a.csv"], "/nonexistent/dir/a.csv"),
        ]
        for (arguments, message) in cases {
            let result = try runCommand(vae, arguments, directory: out)
            #expect(result.status != 0, "vae \(arguments.joined(separator: " ")) should fail")
            #expect(result.standardError.contains(message), "stderr was \(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count == 1, "one line: \(result.standardError)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(out)/a.csv"), "nothing written on a refusal")
    }
}
