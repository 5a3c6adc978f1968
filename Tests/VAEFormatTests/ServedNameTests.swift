import Foundation
import Testing
import VAETestSupport
import VAEFormat

/// `VAEZReader.servedName`: the name vaed serves a `--model` path under without `NAME=`, which is also
/// `vae export --triton-repository`'s default `--name`, so a V2 client moves from vaed to Triton by the URL alone.
@Suite struct ServedNameTests {
    @Test(arguments: [
        ("runs/fashion", "fashion"), ("runs/fashion/", "fashion"), ("runs/fashion//", "fashion"),
        ("models/digits.vaez", "digits"), ("runs/fashion/model.vaez", "model"), ("digits.vaez", "digits"), ("/", ""),
    ])
    func lastComponentWithoutVaez(path: String, name: String) {
        #expect(VAEZReader.servedName(path) == name)
    }

    @Test func dotIsTheRealFolderName() throws {
        let folder = temporaryDirectory() + "/fashion"
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        #expect(VAEZReader.servedName(folder + "/.") == "fashion")
        #expect(VAEZReader.servedName(folder + "/sub/..") == "fashion")
        #expect(VAEZReader.servedName(folder + "/./") == "fashion")
    }

    /// vaed and every other reader say an ONNX graph (vae export's output) is one, not show its first bytes.
    @Test func anONNXPathIsNamedAsOne() {
        let error = #expect(throws: VAEZError.self) { try VAEZReader.read(path: "out/encoder.ONNX") }
        #expect(error?.rule == .badMagic && error?.message == "an ONNX graph, not a .vaez model")
    }
}
