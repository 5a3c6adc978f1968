import Foundation
import Testing
import VAEData
import VAEFiles
import VAEImage
import VAETestSupport

@testable import VAEClient

@Suite("Client inputs: image files, index selections, latent codes")
struct InputTests {
    @Test func indexSelectionsParseAndCheckTheirRange() throws {
        #expect(try IndexSelection(parsing: "0..3,7").indices(count: 10, source: "f") == [0, 1, 2, 3, 7])
        #expect(try IndexSelection(parsing: "5").indices(count: 6, source: "f") == [5])
        #expect(try IndexSelection(parsing: "1, 4 ,2").indices(count: 6, source: "f") == [1, 4, 2])
        for bad in ["", "a", "3..1", "-1", "1..", "1,,2"] {
            #expect(thrownMessage { _ = try IndexSelection(parsing: bad) }.contains("--index takes indices"), "\(bad)")
        }
        #expect(
            thrownMessage { _ = try IndexSelection(parsing: "0..10").indices(count: 10, source: "t10k") }
                == "--index 10 is past the end of t10k, which holds 10 images (0..9)")
    }

    @Test func pngAndIDXFilesAreReadByContentWithNamesForOutputs() throws {
        let directory = temporaryDirectory()
        let png = PixelImage(width: 3, height: 2, channels: 1, pixels: [0, 10, 20, 30, 40, 50])
        try Files.writeAtomically(PNG.encode(png), to: "\(directory)/scan.png")
        let idx = IDXArray(dimensions: [3, 2, 3], values: (0..<18).map(UInt8.init))
        try Files.writeAtomically(gzipped(idx.serialized()), to: "\(directory)/set-ubyte.gz")
        try Files.writeAtomically(idx.serialized(), to: "\(directory)/plain")
        let images = try ImageFiles.read(
            ["\(directory)/scan.png", "\(directory)/set-ubyte.gz", "\(directory)/plain"],
            indices: IndexSelection(parsing: "2,0"))
        #expect(images.map(\.stem) == ["scan", "set-ubyte-2", "set-ubyte-0", "plain-2", "plain-0"])
        #expect(images[0].image == png)
        #expect(images[1].image.pixels == Array(12..<18) && images[1].source == "\(directory)/set-ubyte.gz[2]")
        #expect(try ImageFiles.read(["\(directory)/plain"]).count == 3, "all images without --index")
    }

    @Test func unusableFilesAreNamedWithTheReason() throws {
        let directory = temporaryDirectory()
        try Files.writeAtomically(Array("hello".utf8), to: "\(directory)/text.png")
        try Files.writeAtomically(
            IDXArray(dimensions: [4], values: [1, 2, 3, 4]).serialized(), to: "\(directory)/labels")
        try Files.writeAtomically(
            Array(PNG.encode(PixelImage(width: 1, height: 1, channels: 1, pixels: [0])).prefix(20)),
            to: "\(directory)/cut.png")
        #expect(
            thrownMessage { _ = try ImageFiles.read(["\(directory)/none.png"]) }
                == "cannot read \(directory)/none.png: No such file or directory")
        #expect(
            thrownMessage { _ = try ImageFiles.read(["\(directory)/text.png"]) }
                == "\(directory)/text.png is neither a PNG nor an IDX file")
        #expect(
            thrownMessage { _ = try ImageFiles.read(["\(directory)/labels"]) }.contains("dimensions [4], not grey images"))
        #expect(thrownMessage { _ = try ImageFiles.read(["\(directory)/cut.png"]) }.contains("\(directory)/cut.png"))
        #expect(
            thrownMessage { _ = try ImageFiles.read(["\(directory)/text.png"], indices: IndexSelection(parsing: "1")) }
                .contains("neither a PNG"))
    }

    @Test func imagesOfAnotherSizeAreRefusedNamingBothSizesOrResized() throws {
        let image = InputImage(
            source: "big.png", stem: "big",
            image: PixelImage(
                width: 40, height: 32, channels: 1, pixels: [UInt8](repeating: 200, count: 1280)))
        #expect(
            thrownMessage { _ = try ImageFiles.conform([image], height: 28, width: 28, model: "digits", resize: false) }
                == "big.png is 32×40 pixels (height×width), but model 'digits' takes 28×28; "
                    + "add the flag --resize (no value) to scale it to the model's size")
        let resized = try ImageFiles.conform([image], height: 28, width: 28, model: "digits", resize: true)
        #expect(
            resized[0].image.width == 28 && resized[0].image.height == 28
                && resized[0].image.pixels.allSatisfy { $0 == 200 })
    }

    @Test func latentCodesReadEveryForm() throws {
        let expected: [[Double]] = [[0.5, -1.25], [1, 2]]
        #expect(try LatentCodeText.parse(#"{"inputs":["a"],"z":[[0.5,-1.25],[1,2]],"mu":[]}"#, source: "s") == expected)
        #expect(try LatentCodeText.parse("[[0.5,-1.25],[1,2]]", source: "s") == expected)
        #expect(try LatentCodeText.parse(" [0.5,-1.25]\n", source: "s") == [expected[0]])
        #expect(try LatentCodeText.parse("0.5, -1.25\n\n1 2\n", source: "s") == expected)
        #expect(try LatentCodeText.parseCode("0.5,-1.25") == expected[0])
        #expect(
            thrownMessage { _ = try LatentCodeText.parse("0.5 x", source: "codes.txt") }
                == "codes.txt line 1: 'x' is not a finite number")
        #expect(thrownMessage { _ = try LatentCodeText.parse("[[1],[1,2]]", source: "s") }.contains("differ in length"))
        #expect(thrownMessage { _ = try LatentCodeText.parse("{\"z\":5}", source: "s") }.contains("z must be an array"))
        #expect(thrownMessage { _ = try LatentCodeText.parse("[[1,2]", source: "s") }.contains("not valid JSON"))
        #expect(thrownMessage { _ = try LatentCodeText.parse("\n", source: "stdin") } == "stdin holds no latent codes")
        #expect(thrownMessage { _ = try LatentCodeText.parseCode("1,nan") }.contains("'nan' is not a finite number"))
    }
}
