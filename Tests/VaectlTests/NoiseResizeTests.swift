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
