import Foundation
import Testing
import VAEData
import VAEImage
import VAETestSupport

@testable import VAEClient

@Suite("Client inputs: - for standard input")
struct StandardInputFileTests {
    @Test func dashReadsStandardInputOnce() throws {
        let png = PixelImage(width: 3, height: 2, channels: 1, pixels: [0, 10, 20, 30, 40, 50])
        let bytes = try PNG.encode(png)
        var reads = 0
        let images = try ImageFiles.read(["-"]) { () throws(InputError) in
            reads += 1
            return bytes
        }
        #expect(reads == 1 && images == [InputImage(source: "standard input", stem: "stdin", image: png)])
        let idx = IDXArray(dimensions: [3, 2, 3], values: (0..<18).map(UInt8.init)).serialized()
        let picked = try ImageFiles.read(["-"], indices: IndexSelection(parsing: "2")) { () throws(InputError) in idx }
        #expect(picked.map(\.source) == ["standard input[2]"] && picked.map(\.stem) == ["stdin-2"])
        #expect(
            thrownMessage { _ = try ImageFiles.read(["-", "-"]) { () throws(InputError) in bytes } }
                == "- (standard input) can be given only once")
        #expect(
            thrownMessage { _ = try ImageFiles.read(["-"]) { () throws(InputError) in Array("text".utf8) } }
                == "standard input is neither a PNG nor an IDX file")
    }
}
