import Foundation
import Testing
import VAEFormat
import VAEImage
import VAETestSupport

/// -o names the format written: CSV for a table model's rows, PNG for images. A name promising the other is refused
/// in one line before any request that makes results, and a missing -o is asked for in the model's terms.
extension TableTests {
    @Test("an -o of the other format is refused before any sample, decode or denoise request")
    func outputNamesMatchTheFormat() throws {
        let (daemon, directory) = try daemon()
        try PNG.write(
            PixelImage(width: 3, height: 4, channels: 3, pixels: Array(repeating: 9, count: 36)),
            to: "\(directory)/c.png")
        try Data("temperature,pressure,humidity\n20,1000,0.5\n".utf8).write(
            to: URL(fileURLWithPath: "\(directory)/days.csv"))
        func refusal(_ arguments: [String], model: String) throws -> String {
            let result = try vaectl(arguments + ["--socket", daemon.socket, "--model", model], directory: directory)
            #expect(result.status == 64, "\(arguments): \(result.error)")
            #expect(result.error.split(separator: "\n").count == 1, "one line: \(result.error)")
            return result.error
        }
        #expect(
            try refusal(["sample", "-n", "3", "-o", "ps.png"], model: "weather")
                == "vaectl: error: -o ps.png: model 'weather' is a table model; its rows are written as CSV: "
                + "give -o NAME.csv (or -o -)\n")
        #expect(
            try refusal(["decode", "--z", "0,0", "-o", "rows.csv"], model: "rgb")
                == "vaectl: error: -o rows.csv: model 'rgb' is an image model; its images are written as PNG: "
                + "give -o NAME.png (or --out-dir DIR)\n")
        #expect(try refusal(["decode", "--z", "0,0", "-o", "rows.json"], model: "weather").contains("-o rows.json:"))
        #expect(try refusal(["sample", "-o", "grid.CSV"], model: "rgb").contains("is an image model"))
        #expect(try refusal(["denoise", "days.csv", "-o", "clean.png"], model: "weather").contains("-o clean.png:"))
        #expect(try refusal(["denoise", "c.png", "-o", "clean.csv"], model: "rgb").contains("-o clean.csv:"))
        #expect(
            try refusal(["noise", "--fraction", "0", "c.png", "-o", "n.csv"], model: "rgb")
                == "vaectl: error: -o n.csv: noise writes PNG images: give -o NAME.png (or --out-dir DIR)\n")
        for name in ["ps.png", "rows.csv", "clean.png", "clean.csv", "n.csv", "grid.CSV", "rows.json"] {
            #expect(!FileManager.default.fileExists(atPath: "\(directory)/\(name)"), "\(name) was written")
        }
        // Only `models` and `hello` reached the daemon: no request made results.
        let stats = try vaectl(["stats", "--json", "--socket", daemon.socket]).json()
        let requests = try #require(stats["requests"] as? [String: Int])
        #expect(["sample", "decode", "denoise"].allSatisfy { (requests[$0] ?? 0) == 0 }, "\(requests)")

        // .csv in any case, or standard output, is a table model's -o.
        let upper = try vaectl(
            ["decode", "--z", "0,0", "-o", "ROWS.CSV", "--socket", daemon.socket, "--model", "weather"],
            directory: directory)
        #expect(upper.status == 0 && upper.text.hasPrefix("wrote ROWS.CSV: 1 row"), "\(upper.error)")
        let standardOutput = try vaectl(
            ["sample", "-n", "2", "-o", "-", "--socket", daemon.socket, "--model", "weather"])
        #expect(standardOutput.status == 0 && standardOutput.text.hasPrefix("temperature,pressure,humidity\n"))
        #expect(daemon.stop() == 0)
    }

    @Test("a missing -o is asked for as CSV rows for a table model, as PNG images otherwise")
    func missingOutputAdviceFitsTheModel() throws {
        let (daemon, directory) = try daemon()
        func advice(_ arguments: [String], model: String) throws -> String {
            let result = try vaectl(arguments + ["--socket", daemon.socket, "--model", model], directory: directory)
            #expect(result.status == 64, "\(arguments): \(result.error)")
            #expect(result.error.split(separator: "\n").count == 1, "one line: \(result.error)")
            return result.error
        }
        #expect(
            try advice(["decode", "--z", "0,0"], model: "weather")
                == "vaectl: error: model 'weather' is a table model: give -o FILE.csv (or -o - for standard output) "
                + "for the decoded rows\n")
        #expect(
            try advice(["sample", "-n", "2"], model: "weather")
                == "vaectl: error: model 'weather' is a table model: give -o FILE.csv (or -o - for standard output) "
                + "for the sampled rows\n")
        #expect(
            try advice(["decode", "--z", "0,0", "--out-dir", "d"], model: "weather").hasSuffix(
                "for the decoded rows, not --out-dir\n"))
        #expect(
            try advice(["sample", "-n", "2", "--json"], model: "weather").contains("for the sampled rows"),
            "--json prints the codes of images without files, but rows go to -o")
        #expect(
            try advice(["decode", "--z", "0,0"], model: "rgb")
                == "vaectl: error: give -o FILE (a PNG grid) or --out-dir DIR for the decoded images\n")
        // An image model's sample may print its codes alone.
        let codes = try vaectl(["sample", "-n", "2", "--json", "--socket", daemon.socket, "--model", "rgb"])
        #expect(try codes.status == 0 && (codes.json()["z"] as? [[Double]])?.count == 2, "\(codes.error)")
        #expect(daemon.stop() == 0)
    }
}
