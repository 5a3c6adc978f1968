import Foundation
import Testing
import VAEFiles
import VAEImage
import VAETestSupport

/// `vaectl noise --resize HEIGHTxWIDTH` scales as denoise --resize would before sending, then corrupts.
extension VaectlTests {
    @Test func noiseResizesToTheSizeGiven() throws {
        let directory = temporaryDirectory()
        let big = PixelImage(width: 40, height: 32, channels: 1, pixels: (0..<1280).map { UInt8(($0 * 7) % 256) })
        try PNG.write(big, to: "\(directory)/big.png")
        let square = try vaectl(
            ["noise", "--fraction", "0", "--resize", "28x28", "\(directory)/big.png", "-o", "\(directory)/s.png"])
        #expect(square.status == 0, "\(square.error)")
        #expect(try PNG.decode(Files.read("\(directory)/s.png")) == big.resized(width: 28, height: 28))
        let wide = try vaectl(
            ["noise", "--fraction", "0.3", "--resize", "20×30", "\(directory)/big.png", "-o", "\(directory)/w.png"])
        let wideImage = try PNG.decode(Files.read("\(directory)/w.png"))
        #expect(wide.status == 0 && wideImage.height == 20 && wideImage.width == 30, "\(wide.error)")
        for bad in ["28", "0x5", "28x", "ax3"] {
            let refused = try vaectl(["noise", "--fraction", "0", "--resize", bad, "\(directory)/big.png", "-o", "x.png"])
            #expect(refused.status == 64 && refused.error.contains("HEIGHTxWIDTH"), "\(bad): \(refused.error)")
        }
        #expect(try vaectl(["noise", "--help"]).text.contains("--resize <HEIGHTxWIDTH>"))
    }
}

/// encode's and denoise's --resize is a flag (the model gives the size): a size after it is refused, not read as a
/// file, unless a file of that name exists.
extension VaectlTests {
    @Test func resizeFlagTakesNoValue() throws {
        let directory = temporaryDirectory()
        let daemon = try testDaemon()
        let socket = ["--socket", daemon.socket]
        try PNG.write(PixelImage(width: 40, height: 32, channels: 1, pixels: [UInt8](repeating: 99, count: 1280)),
                      to: "\(directory)/big.png")
        for command in [["encode"], ["denoise", "-o", "o.png"]] {
            let refused = try vaectl(command + ["--resize", "28x28", "big.png"] + socket, directory: directory)
            #expect(
                refused.status == 64
                    && refused.error == "vaectl: error: --resize 28x28: vaectl's --resize takes no value; it scales "
                    + "each image to the model's own HxW: give --resize alone\n",
                "\(command): \(refused.error)")
        }
        // An input file that happens to be called 28x28 is read as one.
        try PNG.write(squareImage(), to: "\(directory)/28x28")
        let named = try vaectl(["encode", "--resize", "28x28", "big.png"] + socket, directory: directory)
        #expect(named.status == 0 && named.text.hasPrefix("28x28\t"), "\(named.error)")
        let plain = try vaectl(["encode", "--resize", "big.png"] + socket, directory: directory)
        #expect(plain.status == 0 && plain.text.hasPrefix("big.png\t"), "\(plain.error)")
        #expect(daemon.stop() == 0)
    }
}
