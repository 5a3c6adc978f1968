#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VAEFormat
import VAEModel
import VAENumerics

/// A model loaded from a verified .vaez file, ready to serve.
///
/// Immutable after loading (serving never writes the parameters), so one instance is shared by every compute
/// thread; each thread brings its own `Workspace`. A reload builds a new instance and swaps it in, so requests in
/// flight finish on the model they started with.
package final class ServedModel: @unchecked Sendable {
    package let name: String
    package let path: String
    package let fileBytes: Int
    package let fileSHA256: String
    package let formatVersion: String
    package let dtype: String
    package let dataset: String?
    package let loadedAt: Date
    package let architecture: Architecture
    /// What the values are: images or table rows, the likelihood, the normalisation.
    package let data: ServedData
    /// Where `sample` centres and scales its draws: the prior N(0, I) for a VAE, the stored statistics for an AE.
    let samplingMean: [Float]
    let samplingStd: [Float]
    let network: Network

    /// Reads and fully verifies `path`.
    /// - Throws: a `VAEZError` naming the broken rule, a `DataError` for an unreadable file, or an
    ///   `ArchitectureError` for a model this server cannot run.
    package init(name: String, path: String) throws {
        let file = try VAEZReader.read(path: path)
        let network = try Network.load(file, trainable: false)
        // Requests of one image are common here, and an image's background is mostly zeros.
        network.prepareSparseFirstLayer()
        self.name = name
        self.path = path
        self.network = network
        architecture = network.architecture
        data = ServedData(file.metadata.data, likelihood: network.architecture.likelihood)
        fileBytes = file.fileSize
        fileSHA256 = file.fileSHA256
        formatVersion = file.version.description
        dtype = file.weightDType.description
        dataset = file.metadata.training.dataset.name
        loadedAt = Date()
        let zDim = network.architecture.zDim
        switch network.architecture.kind {
        case .vae:
            samplingMean = Array(repeating: 0, count: zDim)
            samplingStd = Array(repeating: 1, count: zDim)
        case .ae:
            samplingMean = file.metadata.latent.mean.map(Float.init)
            samplingStd = file.metadata.latent.std.map(Float.init)
        }
    }

    package var zDim: Int { architecture.zDim }
    package var pixelCount: Int { architecture.input.pixelCount }
}
