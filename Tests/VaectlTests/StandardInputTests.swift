import Foundation
import Testing
import VAEData
import VAEFiles
import VAEImage
import VAETestSupport

/// `-` as an input file reads the PNG or IDX bytes from standard input, in every command that takes input files.
extension VaectlTests {
    @Test func dashReadsAPNGOrAnIDXFileFromStandardInput() throws {
        let daemon = try testDaemon()
        let directory = temporaryDirectory()
        let socket = ["--socket", daemon.socket]
        try PNG.write(squareImage(), to: "\(directory)/scan.png")
        let png = try Files.read("\(directory)/scan.png")

        // cat scan.png | vaectl denoise - -o clean.png: the same request as with the file, so the same bytes.
        let fromFile = try vaectl(["denoise", "\(directory)/scan.png", "-o", "\(directory)/file.png"] + socket)
        let fromStdin = try vaectl(["denoise", "-", "-o", "\(directory)/stdin.png"] + socket, bytes: png)
        #expect(fromFile.status == 0 && fromStdin.status == 0, "\(fromFile.error) \(fromStdin.error)")
        #expect(try Files.read("\(directory)/file.png") == Files.read("\(directory)/stdin.png"))
        let piped = try vaectl(["denoise", "-", "-o", "-"] + socket, bytes: png)
        #expect(
            try piped.status == 0 && PNG.decode(piped.output) == PNG.decode(Files.read("\(directory)/file.png")),
            "\(piped.error)")

        // An IDX file (gzip-compressed) on standard input, one image picked with --index.
        let idx = IDXArray(dimensions: [3, 28, 28], values: (0..<3).flatMap { squareImage(shift: $0).pixels })
        try Files.writeAtomically(idx.serialized(), to: "\(directory)/set-idx3-ubyte")
        let encodedFile = try vaectl(["encode", "--json", "--index", "1", "\(directory)/set-idx3-ubyte"] + socket)
        let encodedStdin = try vaectl(["encode", "--json", "--index", "1", "-"] + socket, bytes: gzipped(idx.serialized()))
        #expect(encodedStdin.status == 0, "\(encodedStdin.error)")
        let stdinCodes = try encodedStdin.json()
        #expect(stdinCodes["inputs"] as? [String] == ["standard input[1]"])
        let fileZ = try encodedFile.json()["z"] as? [[Double]]
        #expect(fileZ != nil && stdinCodes["z"] as? [[Double]] == fileZ, "one image, same request")

        // noise needs no daemon; with --out-dir the image from standard input is named stdin.png.
        let noise = try vaectl(["noise", "--fraction", "0", "-", "--out-dir", "\(directory)/n", "--json"], bytes: png)
        #expect(try noise.status == 0 && noise.json()["files"] as? [String] == ["\(directory)/n/stdin.png"], "\(noise.error)")
        #expect(try PNG.decode(Files.read("\(directory)/n/stdin.png")) == squareImage())
        // bench's --input takes - too.
        let bench = try vaectl(
            ["bench", "--input", "-", "--connections", "1", "--depth", "1", "--duration", "0.2", "--warmup", "0"] + socket,
            bytes: png)
        #expect(bench.status == 0, "\(bench.error)")

        // Standard input can be read once, and what is wrong with it is named.
        let twice = try vaectl(["noise", "--fraction", "0", "-", "-", "-o", "\(directory)/x.png"], bytes: png)
        #expect(twice.status == 64 && twice.error.contains("- (standard input) can be given only once"), "\(twice.error)")
        let junk = try vaectl(["encode", "-"] + socket, input: "not an image")
        #expect(
            junk.status == 64 && junk.error.contains("standard input is neither a PNG nor an IDX file"), "\(junk.error)")
        #expect(daemon.stop() == 0)
    }
}
