import Foundation
import Testing
import VAETestSupport

extension VaectlTests {
    /// `vaed --model-dir models/` used to be listed as `models//digits.vaez`.
    @Test func aModelDirectoryWithATrailingSlashPrintsEachFileOnce() throws {
        let directory = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(directory)/models", withIntermediateDirectories: true)
        _ = try modelFile(kind: .vae, directory: "\(directory)/models")
        let daemon = try RunningDaemon(directory: directory, arguments: ["--model-dir", "\(directory)/models/"])
        let models = try vaectl(["models", "--socket", daemon.socket])
        #expect(models.status == 0, "\(models.error)")
        #expect(models.text.contains("\(directory)/models/vae.vaez") && !models.text.contains("//"), "\(models.text)")
        #expect(daemon.stop() == 0)
    }
}
