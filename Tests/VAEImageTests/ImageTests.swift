import Foundation
import Testing
import VAECore
import VAEImage
import VAETestSupport

@Suite("PNG and image grids")
struct ImageTests {
    @Test func pngRoundTripsGreyAndRGB() throws {
        let grey = PixelImage(width: 3, height: 2, channels: 1, pixels: [0, 50, 100, 150, 200, 255])
        #expect(try PNG.decode(PNG.encode(grey)) == grey)
        let rgb = PixelImage(width: 1, height: 1, channels: 3, pixels: [10, 20, 30])
        #expect(try PNG.decode(PNG.encode(rgb), channels: 3) == rgb)
        let encoded = try PNG.encode(grey)
        #expect(Array(encoded[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    @Test func uncompressedPNGsDecodeToTheSamePixelsForEveryChannelCount() throws {
        for (width, height) in [(1, 1), (28, 28), (3, 200), (300, 250)] {
            for channels in 1...4 {
                let pixels = (0..<(width * height * channels)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 7) }
                let image = PixelImage(width: width, height: height, channels: channels, pixels: pixels)
                let stored = try PNG.encode(image, uncompressed: true)
                #expect(try PNG.decode(stored, channels: channels) == image, "\(width)×\(height)×\(channels)")
                // Stored deflate: every pixel byte plus one filter byte per row is in the file.
                #expect(stored.count > height * (width * channels + 1))
            }
        }
        let flat = PixelImage(width: 28, height: 28, channels: 1, pixels: Array(repeating: 9, count: 784))
        #expect(try PNG.encode(flat, uncompressed: true).count > 4 * PNG.encode(flat).count, "the default compresses")
    }

    @Test func colourIsFoldedToGrey() throws {
        let white = PixelImage(width: 2, height: 1, channels: 3, pixels: [255, 255, 255, 0, 0, 0])
        let decoded = try PNG.decode(PNG.encode(white), channels: 1)
        #expect(decoded.pixels == [255, 0])
    }

    @Test func garbageIsABadImageError() {
        do {
            _ = try PNG.decode([1, 2, 3, 4], source: "junk.png")
            Issue.record("garbage must not decode")
        } catch {
            #expect(error.code == .badImage)
            #expect(error.message.contains("junk.png"))
        }
    }

    @Test func gridHasTorchvisionGeometry() {
        let shape = ImageShape(height: 28, width: 28)
        let images = [Float](repeating: 1, count: 16 * 784)
        let grid = ImageGrid(shape: shape, columns: 8, padding: 2).render(images)
        #expect(grid.width == 242 && grid.height == 62)
        // Padding is black, cells are white.
        #expect(grid.pixels[0] == 0)
        #expect(grid.pixels[2 * 242 + 2] == 255)
        let manifold = ImageGrid(shape: shape, columns: 20, padding: 0).render([Float](repeating: 0.5, count: 400 * 784))
        #expect(manifold.width == 560 && manifold.height == 560)
    }

    @Test func pixelValuesRoundTripThroughUnitFloats() {
        let image = PixelImage(width: 16, height: 16, channels: 1, pixels: (0..<256).map(UInt8.init))
        let values = image.unitValues
        #expect(values[0] == 0 && values[51] == 0.2 && values[255] == 1)
        #expect(PixelImage(width: 16, height: 16, unitValues: values) == image)
        // Floats outside [0, 1] are clamped; the rest round to the nearest byte.
        #expect(PixelImage(width: 4, height: 1, unitValues: [-0.5, 1.5, 0.5, 0.499]).pixels == [0, 255, 128, 127])
    }
}
