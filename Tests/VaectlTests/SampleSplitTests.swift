import Foundation
import Testing
import VAEFiles
import VAEImage
import VAETestSupport

/// `vaectl sample -n N` beyond the daemon's max_batch goes in several requests, and image i is still image i of
/// the seed.
extension VaectlTests {
    /// The seed as printed (it may be beyond what a Double holds exactly).
    func printedSeed(_ result: VaectlResult) -> String? {
        guard let range = result.text.range(of: #""seed":[0-9]+"#, options: .regularExpression) else { return nil }
        return String(result.text[range].dropFirst(7))
    }

    @Test func splitRunsGiveImageIOfTheSeed() throws {
        let small = try testDaemon(extraArguments: ["--max-batch", "5"], name: "small")
        let large = try testDaemon(name: "large")
        let directory = temporaryDirectory()
        let split = try vaectl(
            ["sample", "-n", "12", "--seed", "7", "--out-dir", "\(directory)/split", "--json", "--socket", small.socket])
        let whole = try vaectl(
            ["sample", "-n", "12", "--seed", "7", "--out-dir", "\(directory)/whole", "--json", "--socket", large.socket])
        #expect(split.status == 0 && whole.status == 0, "\(split.error) \(whole.error)")
        // Code i depends only on (seed, i): the same bits, in three requests of 5, 5 and 2 or in one of 12.
        let splitZ = try #require(try split.json()["z"] as? [[Double]])
        let wholeZ = try whole.json()["z"] as? [[Double]]
        #expect(splitZ.count == 12 && splitZ == wholeZ)
        #expect(printedSeed(split) == "7" && printedSeed(whole) == "7")
        let files = try #require(try split.json()["files"] as? [String])
        #expect(files.count == 12)
        // The images come from decodes of other sizes: the same to one level.
        for i in 0..<12 {
            let name = "sample-\(i < 10 ? "0" : "")\(i).png"
            let check = pixelAgreement(
                try PNG.decode(Files.read("\(directory)/split/\(name)")).pixels,
                try PNG.decode(Files.read("\(directory)/whole/\(name)")).pixels)
            #expect(check.holds, "image \(i): \(check)")
        }
        // Without --seed the daemon draws one in the first request, and every later request uses it.
        let drawn = try vaectl(["sample", "-n", "7", "--json", "--temperature", "0.5", "--socket", small.socket])
        let drawnSeed = try #require(printedSeed(drawn), "\(drawn.text) \(drawn.error)")
        let again = try vaectl(
            ["sample", "-n", "7", "--seed", drawnSeed, "--temperature", "0.5", "--json", "--socket", large.socket])
        let drawnZ = try drawn.json()["z"] as? [[Double]], againZ = try again.json()["z"] as? [[Double]]
        #expect(drawnZ != nil && drawnZ == againZ)
        // A grid of a split run.
        let grid = try vaectl(["sample", "-n", "11", "--seed", "3", "-o", "\(directory)/grid.png", "--socket", small.socket])
        #expect(grid.status == 0 && grid.text.contains("11 images, 4×3 grid"), "\(grid.text) \(grid.error)")
        #expect(small.stop() == 0 && large.stop() == 0)
    }
}
