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
}
