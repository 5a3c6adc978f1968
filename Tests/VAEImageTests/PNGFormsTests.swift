import Testing
import VAEImage
import VAETestSupport

/// The PNG forms users hand the client and the daemon: every colour type at 8 and 16 bits, read as 8-bit grey.
@Suite("PNG colour types and bit depths")
struct PNGFormsTests {
    let levels: [UInt16] = [0, 64, 128, 200, 255]

    @Test(arguments: [8, 16])
    func greyKeepsItsLevels(bitDepth: Int) throws {
        let samples = levels.map { bitDepth == 16 ? $0 * 257 : $0 }
        let file = TestPNG.encode(width: 5, height: 1, colorType: .grey, bitDepth: bitDepth, samples: samples)
        #expect(try PNG.decode(file).pixels == levels.map(UInt8.init), "16-bit samples are scaled, not gamma-encoded")
    }

    @Test(arguments: [8, 16])
    func rgbGreysStayTheSameGrey(bitDepth: Int) throws {
        let samples = levels.flatMap { level in [level, level, level].map { bitDepth == 16 ? $0 * 257 : $0 } }
        let file = TestPNG.encode(width: 5, height: 1, colorType: .rgb, bitDepth: bitDepth, samples: samples)
        #expect(try PNG.decode(file).pixels == levels.map(UInt8.init))
    }

    @Test(arguments: [8, 16])
    func alphaIsCompositedOntoBlack(bitDepth: Int) throws {
        let full: UInt16 = bitDepth == 16 ? 65535 : 255
        // Opaque white, transparent white, opaque black.
        let grey = TestPNG.encode(
            width: 3, height: 1, colorType: .greyAlpha, bitDepth: bitDepth,
            samples: [full, full, full, 0, 0, full])
        #expect(try PNG.decode(grey).pixels == [255, 0, 0])
        let rgba = TestPNG.encode(
            width: 3, height: 1, colorType: .rgba, bitDepth: bitDepth,
            samples: [full, full, full, full, full, full, full, 0, 0, 0, 0, full])
        #expect(try PNG.decode(rgba).pixels == [255, 0, 0])
    }

    @Test func resizeAveragesWhenShrinkingAndInterpolatesWhenGrowing() {
        let checker = PixelImage(width: 4, height: 2, channels: 1, pixels: [0, 255, 0, 255, 255, 0, 255, 0])
        let halved = checker.resized(width: 2, height: 1)
        #expect(halved.pixels == [128, 128], "each output pixel is the mean of the 2×2 block it covers")
        let ramp = PixelImage(width: 2, height: 1, channels: 1, pixels: [0, 200])
        let grown = ramp.resized(width: 4, height: 1)
        #expect(grown.pixels == [0, 50, 150, 200], "centres at 0.25 steps between the source centres, edges clamped")
        #expect(ramp.resized(width: 2, height: 1) == ramp)
        let thirds = PixelImage(width: 3, height: 1, channels: 1, pixels: [30, 60, 90]).resized(width: 2, height: 1)
        #expect(thirds.pixels == [40, 80], "overlap weights: (30 + 60/2) / 1.5 and (60/2 + 90) / 1.5")
        let tall = PixelImage(width: 1, height: 3, channels: 1, pixels: [0, 90, 180]).resized(width: 2, height: 6)
        #expect(tall.width == 2 && tall.height == 6 && tall.pixels.first == 0 && tall.pixels.last == 180)
    }
}
