import Foundation
import Testing
import VAEFiles
import VAETestSupport

/// A table model's analyses are numbers (CSV in the data's units), not pictures of feature values.
@Suite("vae analyze on a table model", .serialized)
struct TableAnalysisCommandTests {
    let vae = builtExecutable("vae")

    /// Rows on a 2-D manifold in 4 columns, one of them around 1000 (so values left standardised would be far off)
    /// and one named with a comma; a label column; a model trained on it (z = 2) for a few epochs.
    func tableRun() throws -> (run: String, csv: String) {
        let folder = temporaryDirectory()
        let csv = "\(folder)/rows.csv"
        var text = "u,\"v, scaled\",offset,product,side\n"
        for i in 0..<300 {
            let u = Double(i % 20) / 10 - 1, v = Double(i / 20) / 7.5 - 1
            text += "\(u),\(10 * v),\(1000 + 3 * u),\(u * v),\(u < 0 ? "west" : "east")\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: csv))
        let run = "\(folder)/run"
        let result = try runCommand(
            vae,
            ["train", "--data", csv, "--label-column", "side", "--hidden", "16", "--z-dim", "2", "--epochs", "3",
             "--batch-size", "16", "--threads", "1", "--out", run],
            directory: folder)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        return (run, csv)
    }

    func analyse(_ arguments: [String]) throws -> CommandResult {
        try runCommand(vae, ["analyze"] + arguments, directory: temporaryDirectory())
    }

    /// The CSV's header and its rows split into fields (no field here holds a quote or comma but the header's).
    func table(_ path: String) throws -> (header: String, rows: [[String]]) {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        return (lines[0], lines.dropFirst().map { $0.split(separator: ",").map(String.init) })
    }

    @Test func manifoldTraverseAndReconstructWriteRowsInTheDataUnits() throws {
        let (run, csv) = try tableRun()
        let out = temporaryDirectory()
        let features = "u,\"v, scaled\",offset,product"

        #expect(try analyse(["manifold", run, "--steps", "4", "-o", "\(out)/m.csv"]).status == 0)
        let manifold = try table("\(out)/m.csv")
        #expect(manifold.header == "z0,z1,\(features)")
        #expect(manifold.rows.count == 16)
        // Decoded in the data's units: the offset column is near 1000, not near 0 as standardised values are.
        for row in manifold.rows { #expect(abs(Double(row[4])! - 1000) < 10, "\(row)") }
        #expect(manifold.rows[0][1] == manifold.rows[3][1], "one grid row shares its vertical value")

        #expect(try analyse(["traverse", run, "--dim", "1", "--steps", "5", "--image", "2", "-o", "\(out)/t.csv"]).status == 0)
        let traversal = try table("\(out)/t.csv")
        #expect(traversal.header == "dimension,z,\(features)")
        #expect(traversal.rows.map { $0[0] } == Array(repeating: "z1", count: 5))
        #expect(traversal.rows.map { Double($0[1])! } == [-3, -1.5, 0, 1.5, 3])

        #expect(try analyse(["reconstruct", run, "--count", "3", "-o", "\(out)/r.csv"]).status == 0)
        let reconstruction = try table("\(out)/r.csv")
        #expect(reconstruction.header == "item,row,\(features)")
        #expect(reconstruction.rows.map { $0[1] } == ["input", "reconstruction", "input", "reconstruction", "input", "reconstruction"])
        // The input rows are the CSV's own values (item = their line in the file), standardised and back.
        let source = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").map(String.init)
        for row in reconstruction.rows where row[1] == "input" {
            let original = source[Int(row[0])! - 1].split(separator: ",").prefix(4).map { Double($0)! }
            for (value, expected) in zip(row.dropFirst(2).map { Double($0)! }, original) {
                #expect(abs(value - expected) <= 1e-4 * max(1, abs(expected)), "\(row) vs \(original)")
            }
        }
        for row in reconstruction.rows where row[1] == "reconstruction" { #expect(abs(Double(row[4])! - 1000) < 10) }
    }

    @Test func picturesOfATableAndTablesOfImagesAreRefused() throws {
        let (run, _) = try tableRun()
        let out = temporaryDirectory()
        for (command, file) in [("manifold", "m.png"), ("traverse", "t.svg"), ("reconstruct", "r.png")] {
            let result = try analyse([command, run, "-o", "\(out)/\(file)"])
            #expect(result.status == 1)
            #expect(
                result.standardError.contains("a table model decodes to rows of 4 values, not images; write them as a table with -o NAME.csv"),
                "\(command): \(result.standardError)")
            #expect(!Files.exists("\(out)/\(file)"))
        }
        let noisy = try analyse(["reconstruct", run, "--noise", "0.2", "-o", "\(out)/r.csv"])
        #expect(noisy.status == 1)
        #expect(noisy.standardError.contains("a table model's rows have no such noise"), "\(noisy.standardError)")

        let image = temporaryDirectory() + "/model.vaez"
        try writeModelFile(kind: .vae, seed: 3, to: image)
        let refused = try analyse(["manifold", image, "-o", "\(out)/m.csv"])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains(".csv is for table models; an image model's figure is .png or .svg"), "\(refused.standardError)")
    }

    @Test func theEmbeddingReportNamesATablesInputSpace() throws {
        let (run, _) = try tableRun()
        let result = try runCommand(vae, ["eval", run, "--embedding", "--json"], directory: temporaryDirectory())
        try #require(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput.contains("\"input_space\":\"test items' standardised features, Euclidean\""), "\(result.standardOutput)")
        #expect(result.standardOutput.contains("decoded from mu (means)"))
    }
}
