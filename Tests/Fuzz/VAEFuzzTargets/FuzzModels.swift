#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VAECore
import VAEFormat
import VAEModel
import VAEServing

/// The engine the request targets decode against: never started, so nothing is computed; decoding only reads the
/// models' shapes and the limits. `digits` is a VAE on 28×28 images (the seeds' requests name it or no model),
/// `tiny` an AE on 4×3 images, `rgb` a VAE on 4×3 RGB images, `table` a Gaussian VAE on standardised rows of 3
/// named features (format 1.1's data description), all with small random weights.
enum FuzzModels {
    static let maxBatch = 64

    static let engine: ServingEngine = {
        let models = [
            served("digits", kind: .vae, input: ImageShape(height: 28, width: 28)),
            served("tiny", kind: .ae, input: ImageShape(height: 4, width: 3)),
            served("rgb", kind: .vae, input: ImageShape(height: 4, width: 3, channels: 3),
                   data: DataDescription(kind: .image, classes: ["red", "blue"])),
            served("table", kind: .vae, input: ImageShape(height: 1, width: 3),
                   data: DataDescription(
                       kind: .table, likelihood: .gaussian, variance: 0.25,
                       normalisation: .init(mean: [12.5, 1013.25, 0.625], std: [7.5, 8.25, 0.125]),
                       features: ["temperature", "pressure", "humidity"])),
        ]
        return ServingEngine(models: models, limits: ServingLimits(maxBatch: maxBatch))
    }()

    private static func served(
        _ name: String, kind: Architecture.Kind, input: ImageShape, data: DataDescription? = nil
    ) -> ServedModel {
        do {
            var architecture = Architecture(kind: kind, input: input, hidden: [8], zDim: 2)
            architecture.likelihood = data?.likelihood ?? .bernoulli
            let network = try Network(architecture: architecture)
            var random = RandomSource(seed: 1)
            network.initializeParameters(using: &random)
            let latent: ModelMetadata.Latent = kind == .ae ? .init(mean: [0.5, -1], std: [2, 0.25]) : .prior(zDim: 2)
            let metadata = ModelMetadata(architecture: .init(architecture), latent: latent,
                                         producer: .init(name: "fuzz", version: "0"), created: "2026-01-01T00:00:00Z",
                                         data: data)
            let bytes = try VAEZWriter.serialize(metadata: metadata, tensors: network.contractTensors())
            // ServedModel reads a path; the file is gone once read.
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("vae-fuzz-\(ProcessInfo.processInfo.processIdentifier)-\(name).vaez").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            return try ServedModel(name: name, path: path)
        } catch {
            fatalError("the fuzz targets' model \(name) could not be made: \(error)")
        }
    }
}
