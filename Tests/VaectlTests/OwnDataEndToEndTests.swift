import Foundation
import Testing
import VAEData
import VAEFiles
import VAEImage
import VAETestSupport

/// The own-data path end to end, as a user walks it: a folder of PNG files (Fashion-MNIST images written by the
/// test, two classes, a test/ subfolder), `vae train --data`, vaed serving the run, and vaectl encoding and decoding
/// through it.
@Suite("Own data end to end: PNG folder → vae train → vaed → vaectl", .serialized)
struct OwnDataEndToEndTests {
    static let classes = ["trouser": 1, "sneaker": 7]

    /// Writes `perClass` training and `testPerClass` test images of each class as PNG files; returns the folder.
    func pngFolder(perClass: Int, testPerClass: Int) throws -> String {
        let fashion = try DatasetLoader.load(.fashionMNIST)
        let folder = temporaryDirectory() + "/scans"
        for (split, source, count) in [("", fashion.train, perClass), ("test/", fashion.test, testPerClass)] {
            for (name, label) in Self.classes {
                let directory = "\(folder)/\(split)\(name)"
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let indices = (0..<source.count).filter { source.labels?[$0] == UInt8(label) }.prefix(count)
                for (n, index) in indices.enumerated() {
                    let pixels = source.floatValues(index..<(index + 1)).map { UInt8(($0 * 255).rounded()) }
                    try PNG.write(PixelImage(width: 28, height: 28, channels: 1, pixels: pixels),
                                  to: "\(directory)/\(name)-\(n).png")
                }
            }
        }
        return folder
    }

    @Test func trainServeEncodeAndDecode() throws {
        let folder = try pngFolder(perClass: 60, testPerClass: 4)
        let work = temporaryDirectory()
        let vae = builtExecutable("vae")
        let trained = try runCommand(vae, ["train", "--data", folder, "--z-dim", "2", "--hidden", "64", "--epochs", "3",
                                           "--out", "\(work)/run", "--threads", "1"], directory: work)
        #expect(trained.status == 0, "stderr: \(trained.standardError)")
        #expect(trained.standardError.contains("120 training and 8 test images"), "\(trained.standardError)")

        // What the trainer's own reading of the test images gives, to compare with what vaed gets from vaectl.
        let embedded = try runCommand(vae, ["embed", "\(work)/run", "-o", "\(work)/codes.csv"], directory: work)
        #expect(embedded.status == 0, "stderr: \(embedded.standardError)")
        let rows = try String(contentsOfFile: "\(work)/codes.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map(String.init) }
        #expect(rows.count == 8)
        #expect(Set(rows.map { $0[3] }) == Set(Self.classes.keys), "class names from the subfolders")

        let daemon = try RunningDaemon(directory: work, arguments: ["--model", "scans=\(work)/run"])
        defer { _ = daemon.stop() }
        let socket = ["--socket", daemon.socket, "--model", "scans"]
        let files = rows.map { "\(folder)/\($0[0])" }  // item names are paths inside the folder
        let encoded = try vaectl(["encode", "--json"] + files + socket)
        #expect(encoded.status == 0, "\(encoded.error)")
        let mu = try #require(try encoded.json()["mu"] as? [[Double]])
        #expect(mu.count == 8)
        for (row, code) in zip(rows, mu) {
            let expected = row[4...5].map { Double($0)! }
            // The same pixels through the same weights; only the batch's GEMM blocking differs.
            #expect(zip(code, expected).allSatisfy { abs($0 - $1) <= 1e-4 }, "\(row[0]): vaed \(code), vae \(expected)")
        }

        let decoded = try vaectl(["decode", "--z", "0,0", "-o", "\(work)/decoded.png"] + socket)
        #expect(decoded.status == 0, "\(decoded.error)")
        let image = try PNG.decode(try Files.read("\(work)/decoded.png"))
        #expect(image.width == 28 && image.height == 28)
        #expect(Set(image.pixels).count > 10, "a picture, not a flat image")
    }
}
