import Foundation
import Testing
import VAEFormat
import VAEImage
import VAETestSupport

/// `vaectl denoise` and `vaectl bench` with table models (CSV rows) and an RGB model.
@Suite("vaectl denoise and bench with table and RGB models")
struct TableDenoiseBenchTests {
    /// vaed serving `weather` (a table model with feature names), `plain` (a table model without them), `rgb` and
    /// `grey` (4×3 images); the CSV file `days.csv` of two weather rows with a label column, in the daemon's folder.
    func daemon(_ name: String = #function) throws -> (RunningDaemon, String) {
        let directory = temporaryDirectory(name)
        var plain = TableTests.weather
        plain.features = nil
        let models = [
            "weather": try writeTinyModelFile("weather", kind: .vae, data: TableTests.weather),
            "plain": try writeTinyModelFile("plain", kind: .vae, data: plain),
            "rgb": try writeTinyModelFile("rgb", kind: .vae, channels: 3),
            "grey": try writeTinyModelFile("grey", kind: .vae),
        ]
        let daemon = try RunningDaemon(
            directory: directory, arguments: models.sorted { $0.key < $1.key }.flatMap { ["--model", "\($0)=\($1)"] })
        try write(
            "temperature,pressure,humidity,season\n20,1000,0.5,dry\n\"5\",1020,0.75,wet\n", to: "\(directory)/days.csv")
        return (daemon, directory)
    }

    func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// CSV text's rows as numbers, after its header.
    func numbers(_ csv: String) -> [[Double]] {
        csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
    }

    @Test("denoise reads CSV rows and writes decode(mu(row)) as CSV under the same header")
    func denoiseRows() throws {
        let (daemon, directory) = try daemon()
        let socket = ["--socket", daemon.socket, "--model", "weather"]
        let days = "\(directory)/days.csv"
        let written = try vaectl(["denoise", "--drop-column", "season", days, "-o", "\(directory)/clean.csv"] + socket)
        #expect(written.status == 0, "\(written.error)")
        #expect(written.text == "wrote \(directory)/clean.csv: 2 rows (model weather)\n")
        let clean = try String(contentsOfFile: "\(directory)/clean.csv", encoding: .utf8)
        #expect(clean.hasPrefix("temperature,pressure,humidity\n"))
        let rows = numbers(clean)
        #expect(rows.count == 2 && rows.allSatisfy { $0.count == 3 && $0[1] > 900 }, "in the data's units: \(clean)")

        // The same rows as encode then decode: denoise is decode(mu(x)). Both send the two rows in one request,
        // yet they are separate requests, so only float rounding (far below 1e-4 of these values) may differ.
        let encoded = try vaectl(["encode", "--json", "--drop-column", "season", days] + socket)
        try Data(encoded.output).write(to: URL(fileURLWithPath: "\(directory)/z.json"))
        let decoded = try vaectl(["decode", "--z-file", "\(directory)/z.json", "-o", "-"] + socket)
        let reference = numbers(decoded.text)
        let close = agreement(rows.joined(), reference.joined(), within: 1e-4 * 1100)
        #expect(close.holds && reference.count == 2, "\(close)")

        let piped = try vaectl(["denoise", "--drop-column", "season", days, "-o", "-"] + socket)
        #expect(
            piped.status == 0 && piped.text.hasPrefix("temperature,pressure,humidity\n")
                && numbers(piped.text).count == 2)
        let json = try vaectl(
            ["denoise", "--json", "--drop-column", "season", days, "-o", "\(directory)/j.csv"] + socket)
        #expect(try json.json()["inputs"] as? [String] == ["\(days)[0]", "\(days)[1]"])

        // A model without feature names: the input's header is the output's.
        try write("t,p,h\n20,1000,0.5\n", to: "\(directory)/short.csv")
        let plain = try vaectl([
            "denoise", "\(directory)/short.csv", "-o", "-", "--socket", daemon.socket, "--model", "plain",
        ])
        #expect(plain.status == 0 && plain.text.hasPrefix("t,p,h\n"), "\(plain.error)")
        #expect(daemon.stop() == 0)
    }

    @Test("denoise refuses bad rows and mixed-up inputs in one line naming the fault")
    func denoiseRefusals() throws {
        let (daemon, directory) = try daemon()
        try PNG.write(
            PixelImage(width: 3, height: 4, channels: 1, pixels: Array(repeating: 9, count: 12)),
            to: "\(directory)/x.png")
        func refusal(_ csv: String?, _ arguments: [String], model: String = "weather") throws -> String {
            if let csv { try write(csv, to: "\(directory)/t.csv") }
            let result = try vaectl(
                ["denoise"] + arguments + ["--socket", daemon.socket, "--model", model],
                directory: directory)
            #expect(result.status == 64, "\(arguments): \(result.error)")
            #expect(result.error.split(separator: "\n").count == 1, "one line: \(result.error)")
            return result.error
        }
        let out = ["-o", "\(directory)/o.csv"]
        #expect(
            try refusal("t,p\n1,2\n", ["t.csv"] + out, model: "plain").contains(
                "t.csv has 2 columns, but model 'plain' takes rows of 3"))
        #expect(
            try refusal("temperature,pressure,humidity\n1,2,3\n4,5\n", ["t.csv"] + out).contains(
                "t.csv, row 3 has 2 cells but the header has 3 columns"))
        #expect(
            try refusal("temperature,pressure,humidity\n1,warm,3\n", ["t.csv"] + out).contains(
                "row 2, column 'pressure': 'warm' is not a finite number"))
        #expect(
            try refusal(nil, ["days.csv"] + out).contains("has a column 'season' that is not one of model 'weather''s features"))
        #expect(
            try refusal(nil, ["x.png", "-o", "\(directory)/o.png"]).contains(
                "model 'weather' is a table model; give it CSV files (FILE.csv)"))
        #expect(
            try refusal(nil, ["days.csv", "--drop-column", "season"] + out, model: "rgb").contains(
                "model 'rgb' takes images, not CSV tables"))
        #expect(try refusal(nil, ["days.csv", "x.png"] + out).contains("x.png is not a CSV file"))
        #expect(
            try refusal(nil, ["days.csv", "--drop-column", "season", "--out-dir", "\(directory)/d"]).contains(
                "give -o FILE.csv (or -o - for standard output) for the denoised rows, not --out-dir"))
        #expect(
            try refusal(nil, ["x.png", "--drop-column", "season", "-o", "\(directory)/o.png"], model: "grey")
                .contains("--drop-column is for CSV files"))
        #expect(daemon.stop() == 0)
    }

    @Test("models lists what each model reads: an image's size and channels, a table's width")
    func modelsListTheInput() throws {
        let (daemon, _) = try daemon()
        let listing = try vaectl(["models", "--socket", daemon.socket])
        #expect(listing.status == 0, "\(listing.error)")
        let lines = listing.text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(lines.first?[3] == "INPUT", "\(listing.text)")
        let input = Dictionary(lines.dropFirst().map { (String($0[0]), $0[3...4].joined(separator: " ")) }) { a, _ in a }
        #expect(input["grey"]?.hasPrefix("4×3 ") == true, "\(listing.text)")
        #expect(input["rgb"]?.hasPrefix("4×3×3 ") == true, "\(listing.text)")
        #expect(input["weather"] == "3 values", "\(listing.text)")
    }

    @Test("bench sends a table model rows of its width, synthetic or from a CSV file, and an RGB model RGB images")
    func benchRowsAndRGB() throws {
        let (daemon, directory) = try daemon()
        let socket = ["--socket", daemon.socket]
        let quick = ["bench", "--connections", "1", "--depth", "2", "--duration", "0.3", "--warmup", "0"]
        for (model, method) in [
            ("weather", ["--method", "encode", "--json"]),
            ("weather", ["--method", "denoise", "--images", "3", "--json"]),
            ("weather", ["--method", "decode", "--json"]),
            ("weather", ["--input", "\(directory)/days.csv", "--drop-column", "season", "--images", "3", "--json"]),
            ("rgb", ["--json"]), ("rgb", ["--method", "denoise", "--payload", "png", "--json"]),
        ] {
            let run = try vaectl(quick + method + socket + ["--model", model])
            #expect(run.status == 0, "\(model) \(method): \(run.error)")
            let report = try run.json()
            #expect(report["error_count"] as? Int == 0 && (report["requests"] as? Int ?? 0) > 0, "\(model) \(method)")
            if model == "weather" && !method.contains("decode") { #expect(report["payload"] as? String == "rows") }
            if method.contains("decode") { #expect(report["payload"] is NSNull, "decode sends codes, not a payload") }
        }
        let text = try vaectl(quick + ["--images", "2"] + socket + ["--model", "weather"])
        #expect(
            text.text.hasPrefix("bench encode: 2 rows per request") && text.text.contains("\nrows "), "\(text.text)")

        func refusal(_ arguments: [String], model: String) throws -> String {
            let result = try vaectl(quick + arguments + socket + ["--model", model])
            #expect(result.status == 64, "\(arguments): \(result.error)")
            #expect(result.error.split(separator: "\n").count == 1, "one line: \(result.error)")
            return result.error
        }
        #expect(
            try refusal(["--input", "\(directory)/days.csv"], model: "weather").contains(
                "has a column 'season' that is not one of model 'weather''s features"))
        #expect(try refusal(["--payload", "png"], model: "weather").contains("--payload says how images travel"))
        #expect(
            try refusal(["--method", "decode", "--output", "png"], model: "weather").contains(
                "model 'weather' is a table model, which answers rows"))
        try PNG.write(
            PixelImage(width: 3, height: 4, channels: 1, pixels: Array(repeating: 9, count: 12)),
            to: "\(directory)/x.png")
        #expect(
            try refusal(["--input", "\(directory)/x.png"], model: "weather").contains(
                "--input takes a CSV file (FILE.csv) of its rows"))
        #expect(
            try refusal(["--input", "\(directory)/days.csv"], model: "rgb").contains(
                "model 'rgb' takes images; a CSV --input is for a table model's rows"))
        #expect(daemon.stop() == 0)
    }
}
