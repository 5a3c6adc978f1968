import Foundation
import Testing
import VAEFormat
import VAEImage
import VAETestSupport

@Suite("vaectl with table and RGB models")
struct TableTests {
    static let weather = DataDescription(
        kind: .table, likelihood: .gaussian, variance: 0.25,
        normalisation: .init(mean: [12.5, 1013.25, 0.625], std: [7.5, 8.25, 0.125]),
        features: ["temperature", "pressure", "humidity"])

    func daemon(_ name: String = #function) throws -> (RunningDaemon, String) {
        let directory = temporaryDirectory(name)
        let table = try writeTinyModelFile("weather", kind: .vae, data: Self.weather)
        let rgb = try writeTinyModelFile("rgb", kind: .vae, channels: 3)
        let daemon = try RunningDaemon(directory: directory, arguments: ["--model", "weather=\(table)", "--model", "rgb=\(rgb)"])
        return (daemon, directory)
    }

    @Test("encode reads CSV rows (label dropped), decode writes CSV under the feature names")
    func csvEncodeDecode() throws {
        let (daemon, directory) = try daemon()
        let socket = ["--socket", daemon.socket, "--model", "weather"]
        let csv = "temperature,pressure,humidity,season\n20,1000,0.5,dry\n\"5\",1020,0.75,wet\n"
        try Data(csv.utf8).write(to: URL(fileURLWithPath: "\(directory)/days.csv"))

        let encoded = try vaectl(["encode", "--json", "--drop-column", "season", "\(directory)/days.csv"] + socket)
        #expect(encoded.status == 0, "\(encoded.error)")
        let codes = try encoded.json()
        let z = try #require(codes["z"] as? [[Double]])
        #expect(z.count == 2 && z.allSatisfy { $0.count == 2 })
        #expect(codes["inputs"] as? [String] == ["\(directory)/days.csv[0]", "\(directory)/days.csv[1]"])
        let text = try vaectl(["encode", "--drop-column", "season", "\(directory)/days.csv"] + socket)
        #expect(text.text.split(separator: "\n").count == 2 && text.text.hasPrefix("\(directory)/days.csv[0]\t"))

        let zFile = "\(directory)/z.json"
        try Data(encoded.output).write(to: URL(fileURLWithPath: zFile))
        let decoded = try vaectl(["decode", "--z-file", zFile, "-o", "-"] + socket)
        #expect(decoded.status == 0, "\(decoded.error)")
        let lines = decoded.text.split(separator: "\n").map(String.init)
        #expect(lines.first == "temperature,pressure,humidity")
        #expect(lines.count == 3)
        let pressures = lines.dropFirst().compactMap { Double($0.split(separator: ",")[1]) }
        #expect(pressures.count == 2 && pressures.allSatisfy { $0 > 900 }, "in the data's own units: \(lines)")
        let written = try vaectl(["decode", "--z", "0,0", "-o", "\(directory)/out.csv"] + socket)
        #expect(written.status == 0 && written.text.hasPrefix("wrote \(directory)/out.csv: 1 row"), "\(written.error)")
        #expect(daemon.stop() == 0)
    }

    @Test("a header that is not the model's is refused naming the first difference")
    func headerMismatches() throws {
        let (daemon, directory) = try daemon()
        let socket = ["--socket", daemon.socket, "--model", "weather"]
        func refusal(_ csv: String, _ extra: [String] = []) throws -> String {
            try Data(csv.utf8).write(to: URL(fileURLWithPath: "\(directory)/t.csv"))
            let result = try vaectl(["encode", "\(directory)/t.csv"] + extra + socket)
            #expect(result.status == 64, "\(result.error)")
            return result.error
        }
        #expect(try refusal("temperature,pressure,humidity,season\n1,2,3,x\n").contains(
            "has a column 'season' that is not one of model 'weather''s features"))
        #expect(try refusal("temperature,pressure,humidity,season\n1,2,3,x\n").contains("--drop-column season"))
        #expect(try refusal("temperature,humidity,pressure\n1,2,3\n").contains(
            "column 2 is 'humidity', but model 'weather' takes 'pressure' there"))
        #expect(try refusal("temperature,pressure\n1,2\n").contains("has no column 'humidity'"))
        #expect(try refusal("temperature,pressure,humidity\n1,x,3\n").contains(
            "row 2, column 'pressure': 'x' is not a finite number"))
        #expect(try refusal("temperature,pressure,humidity\n1,2,3\n", ["--drop-column", "nope"]).contains(
            "has no column 'nope' to drop"))
        #expect(daemon.stop() == 0)
    }

    @Test("encode and decode take and write RGB PNGs for an RGB model")
    func rgbFiles() throws {
        let (daemon, directory) = try daemon()
        let socket = ["--socket", daemon.socket, "--model", "rgb"]
        let pixels = (0..<36).map { UInt8(($0 * 37) % 256) }
        try PNG.write(PixelImage(width: 3, height: 4, channels: 3, pixels: pixels), to: "\(directory)/c.png")
        let encoded = try vaectl(["encode", "--json", "\(directory)/c.png"] + socket)
        #expect(encoded.status == 0, "\(encoded.error)")
        let zFile = "\(directory)/z.json"
        try Data(encoded.output).write(to: URL(fileURLWithPath: zFile))
        let decoded = try vaectl(["decode", "--z-file", zFile, "-o", "\(directory)/d.png"] + socket)
        #expect(decoded.status == 0, "\(decoded.error)")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(directory)/d.png")))
        #expect(bytes[25] == 2, "colour type 2: an RGB PNG")
        #expect(try PNG.decode(bytes, channels: 3).width == 3)
        #expect(daemon.stop() == 0)
    }
}
