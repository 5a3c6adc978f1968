import Foundation
import Testing
import VAECore
import VAEData
import VAEDataImport
import VAEFiles
import VAEImage
import VAETestSupport

@Suite("Folders of PNG and JPEG images")
struct ImageFolderTests {
    /// cats/ (2 PNGs), dogs/ (1 PNG, 1 JPEG), and a test/ folder with one of each class; all grey 4×3.
    func classFolder() throws -> String {
        let folder = temporaryDirectory()
        try DataFiles.png(DataFiles.image(width: 3, height: 4, value: 10), to: "\(folder)/cats/a.png")
        try DataFiles.png(DataFiles.image(width: 3, height: 4, value: 20), to: "\(folder)/cats/b.PNG")
        try DataFiles.png(DataFiles.image(width: 3, height: 4, value: 30), to: "\(folder)/dogs/c.png")
        try DataFiles.write(
            DataFiles.jpeg(DataFiles.image(width: 3, height: 4, value: 100)), to: "\(folder)/dogs/d.jpg")
        try DataFiles.png(DataFiles.image(width: 3, height: 4, value: 40), to: "\(folder)/test/cats/e.png")
        try DataFiles.png(DataFiles.image(width: 3, height: 4, value: 50), to: "\(folder)/test/dogs/f.png")
        try DataFiles.write("notes", to: "\(folder)/cats/README.txt")
        try DataFiles.write("x", to: "\(folder)/cats/.DS_Store")
        return folder
    }

    @Test func classFoldersAndTestFolder() throws {
        let folder = try classFolder()
        let split = try DataImport.load(folder, options: .init(seed: 1))
        #expect(split.classNames == ["cats", "dogs"])
        #expect(split.train.count == 4 && split.test.count == 2)
        #expect(split.train.labels == [0, 0, 1, 1] && split.test.labels == [0, 1])
        #expect(split.train.shape == ImageShape(height: 4, width: 3, channels: 1))
        #expect(split.train.layout == .images)
        #expect(split.train.itemNames == ["cats/a.png", "cats/b.PNG", "dogs/c.png", "dogs/d.jpg"])
        #expect(split.test.itemNames == ["test/cats/e.png", "test/dogs/f.png"])
        // PNG values exactly; the JPEG within its compression error.
        let first = split.train.floatValues(0..<1)
        #expect(first == (0..<12).map { Float(10 + $0) / 255 })
        let jpeg = split.train.floatValues(3..<4)
        #expect(zip(jpeg, (0..<12).map { Float(100 + $0) / 255 }).allSatisfy { abs($0 - $1) < 6 / 255 })
        #expect(split.source?.format == .imageFolder && split.source?.testPath == "\(folder)/test")
        #expect(split.source?.channels == 1 && split.source?.testFraction == nil)
        #expect(
            split.notes.count == 1 && split.notes[0].contains("README.txt"), "the text file is skipped and reported")
        #expect(!split.notes[0].contains("DS_Store"), "hidden files are skipped silently")
    }

    @Test func testFractionIsRefusedWhenTheFolderHasATestSplit() throws {
        let error = loadError(try classFolder(), .init(testFraction: 0.2))
        #expect(error?.message.contains("has its own test split") == true)
    }

    @Test func unlabelledFolderSplitsByFractionDeterministically() throws {
        let folder = temporaryDirectory()
        for i in 0..<10 {
            try DataFiles.png(DataFiles.image(width: 2, height: 2, value: i * 10), to: "\(folder)/\(i).png")
        }
        let a = try DataImport.load(folder, options: .init(testFraction: 0.3, seed: 7))
        let b = try DataImport.load(folder, options: .init(testFraction: 0.3, seed: 7))
        let c = try DataImport.load(folder, options: .init(testFraction: 0.3, seed: 8))
        #expect(a.train.count == 7 && a.test.count == 3)
        #expect(a.train.labels == nil && a.classNames == nil)
        #expect(a.test.itemNames == b.test.itemNames && a.train.itemNames == b.train.itemNames)
        #expect(a.test.itemNames != c.test.itemNames, "another seed, another split (for these seeds)")
        #expect(Set(a.train.itemNames! + a.test.itemNames!).count == 10, "every image in exactly one part")
        #expect(a.train.itemNames == a.train.itemNames!.sorted(), "each part keeps the folder's order")
        #expect(a.source?.testFraction == 0.3)
        let defaulted = try DataImport.load(folder, options: .init(seed: 7))
        #expect(defaulted.test.count == 1, "the default fraction is 0.1")
    }

    @Test func colourAndGreyPickThreeChannelsAndConvert() throws {
        let folder = temporaryDirectory()
        try DataFiles.png(PixelImage(width: 1, height: 1, channels: 3, pixels: [200, 100, 50]), to: "\(folder)/a.png")
        try DataFiles.png(PixelImage(width: 1, height: 1, channels: 1, pixels: [77]), to: "\(folder)/b.png")
        try DataFiles.png(PixelImage(width: 1, height: 1, channels: 1, pixels: [9]), to: "\(folder)/test/c.png")
        let rgb = try DataImport.load(folder, options: .init())
        #expect(rgb.train.shape.channels == 3)
        #expect(rgb.train.floatValues == [200, 100, 50, 77, 77, 77].map { Float($0) / 255 })
        let grey = try DataImport.load(folder, options: .init(channels: 1))
        // BT.601: 0.299·200 + 0.587·100 + 0.114·50 = 124.2 → 124.
        #expect(grey.train.floatValues == [124, 77].map { Float($0) / 255 })
    }

    @Test func greyAndColourJPEGsDecodeToTheChosenChannels() throws {
        let folder = temporaryDirectory()
        let grey = DataFiles.image(width: 16, height: 16, value: 40)
        let colour = PixelImage(
            width: 16, height: 16, channels: 3,
            pixels: .init(repeating: 0, count: 768).enumerated().map {
                [200, 100, 50][$0.offset % 3]
            })
        try DataFiles.write(DataFiles.jpeg(grey), to: "\(folder)/a.JPEG")
        try DataFiles.write(DataFiles.jpeg(colour), to: "\(folder)/b.jpg")
        try DataFiles.write(DataFiles.jpeg(grey), to: "\(folder)/test/c.jpeg")
        let rgb = try DataImport.load(folder, options: .init())
        #expect(rgb.train.shape.channels == 3, "one colour image makes the default 3 channels")
        let a = rgb.train.floatValues(0..<1)
        let b = rgb.train.floatValues(1..<2)
        #expect(zip(a, grey.pixels.flatMap { [$0, $0, $0] }).allSatisfy { abs($0 * 255 - Float($1)) < 6 })
        #expect(zip(b, colour.pixels).allSatisfy { abs($0 * 255 - Float($1)) < 6 })
        let one = try DataImport.load(folder, options: .init(channels: 1))
        // The flat colour 200, 100, 50 is 124 in BT.601 luma, within JPEG's error.
        #expect(one.train.floatValues(1..<2).allSatisfy { abs($0 * 255 - 124) < 6 })
    }

    @Test func mixedSizesNeedResize() throws {
        let folder = temporaryDirectory()
        try DataFiles.png(DataFiles.image(width: 4, height: 4, value: 0), to: "\(folder)/a.png")
        try DataFiles.png(DataFiles.image(width: 6, height: 5, value: 0), to: "\(folder)/b.png")
        try DataFiles.png(DataFiles.image(width: 4, height: 4, value: 0), to: "\(folder)/test/c.png")
        let error = loadError(folder)
        #expect(error?.code == .sizeMismatch)
        #expect(error?.message.contains("\(folder)/b.png is 5×6 but the first image, a.png, is 4×4") == true)
        let resized = try DataImport.load(folder, options: .init(resize: .init(height: 2, width: 3)))
        #expect(resized.train.shape == ImageShape(height: 2, width: 3, channels: 1))
        #expect(resized.source?.resize == .init(height: 2, width: 3))
    }

    @Test func truncatedPNGAndJPEGNameTheFile() throws {
        let png = try PNG.encode(DataFiles.image(width: 64, height: 64, value: 3))
        let jpeg = DataFiles.jpeg(DataFiles.image(width: 64, height: 64, channels: 3, value: 3))
        // Cut inside the compressed data, past the headers: libjpeg itself would only warn and pad with grey.
        let cuts = [("cut.png", Array(png.prefix(png.count - 20))), ("cut.jpg", Array(jpeg.prefix(jpeg.count - 200)))]
        #expect(jpeg.count > 1000, "the cut JPEG keeps its headers (\(jpeg.count) bytes)")
        for (name, bytes) in cuts {
            let folder = temporaryDirectory()
            try DataFiles.write(bytes, to: "\(folder)/\(name)")
            try DataFiles.png(DataFiles.image(width: 64, height: 64, value: 3), to: "\(folder)/test/ok.png")
            let error = loadError(folder)
            #expect(error?.code == .badImage, "\(name)")
            #expect(error?.message.hasPrefix("\(folder)/\(name): ") == true, "\(error?.message ?? "no error")")
        }
    }

    @Test func corruptJPEGHeaderIsAnErrorNotAnExit() throws {
        let folder = temporaryDirectory()
        try DataFiles.write([0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x04, 1, 2], to: "\(folder)/bad.jpeg")
        let error = loadError(folder)
        #expect(error?.code == .badImage)
        #expect(error?.message.contains("bad.jpeg: not a readable JPEG") == true)
    }

    @Test func emptyFolderAndOtherFormats() throws {
        let empty = temporaryDirectory()
        #expect(loadError(empty)?.code == .emptySelection)
        #expect(loadError(empty)?.message.contains("no PNG or JPEG images") == true)
        let gif = temporaryDirectory()
        try DataFiles.write([0x47, 0x49, 0x46], to: "\(gif)/a.gif")
        #expect(loadError(gif)?.message.contains("a.gif: .gif images are not supported") == true)
    }

    @Test func moreThan256ClassesAreRefused() throws {
        // Empty class folders are enough: the count is checked before any image is read.
        let folder = temporaryDirectory()
        for i in 0..<257 {
            try FileManager.default.createDirectory(atPath: "\(folder)/c\(i)", withIntermediateDirectories: true)
        }
        let error = loadError(folder)
        #expect(error?.code == .tooLarge)
        #expect(error?.message.contains("257 class folders; at most 256") == true)
    }

    @Test func layoutMistakesAreNamed() throws {
        let mixed = temporaryDirectory()
        try DataFiles.png(DataFiles.image(width: 2, height: 2, value: 0), to: "\(mixed)/a.png")
        try DataFiles.png(DataFiles.image(width: 2, height: 2, value: 0), to: "\(mixed)/cats/b.png")
        #expect(loadError(mixed)?.message.contains("holds both images") == true)
        let unknownTestClass = temporaryDirectory()
        try DataFiles.png(DataFiles.image(width: 2, height: 2, value: 0), to: "\(unknownTestClass)/cats/a.png")
        try DataFiles.png(DataFiles.image(width: 2, height: 2, value: 0), to: "\(unknownTestClass)/test/dogs/b.png")
        #expect(loadError(unknownTestClass)?.message.contains("class 'dogs' is not among the training classes") == true)
    }

    @Test func hugeDeclaredSizeIsRefusedBeforeDecoding() throws {
        // A PNG header declaring 20000×1: refused from the header alone.
        let folder = temporaryDirectory()
        let png = TestPNG.encode(
            width: 20000, height: 1, colorType: .grey, bitDepth: 8, samples: .init(repeating: 0, count: 20000))
        try DataFiles.write(png, to: "\(folder)/wide.png")
        let error = loadError(folder)
        #expect(error?.code == .tooLarge)
        #expect(error?.message.contains("wide.png: image size 1×20000 is outside 1 to 16384") == true)
    }
}
