import VAECore
import VAEModel

@testable import VAEFormat

/// Small models and file surgery shared by the tests.
enum TestModels {
    static let smallArchitecture = ModelMetadata.ArchitectureInfo(
        kind: .vae, input: .init(height: 4, width: 4, channels: 1), hidden: [16], zDim: 2)

    /// The seed project's architecture: 28×28×1, hidden 400, 256, 128, z 20 (about 905k parameters).
    static let seedArchitecture = ModelMetadata.ArchitectureInfo(
        kind: .vae, input: .init(height: 28, width: 28, channels: 1), hidden: [400, 256, 128], zDim: 20)

    static let fixedCreated = "2026-11-24T18:00:00Z"

    static func metadata(_ architecture: ModelMetadata.ArchitectureInfo) -> ModelMetadata {
        ModelMetadata(
            architecture: architecture,
            training: .init(
                dataset: .init(name: "fashion-mnist", sha256: String(repeating: "ab", count: 32)),
                classLabel: nil, noise: 0.0, epochs: 10, batchSize: 128, lr: 0.001, seed: 1,
                finalTrainLoss: 21.5, finalTestLoss: 22.25, seconds: 12.5, threads: 2),
            latent: .init(
                mean: (0..<architecture.zDim).map { Double($0) / 8 },
                std: (0..<architecture.zDim).map { 1 - Double($0) / 16 }),
            producer: .init(name: "vae-tests", version: "0.1.0", gitCommit: nil),
            created: fixedCreated)
    }

    /// PyTorch-style uniform ±1/√fan_in tensors in contract order, from a fixed seed.
    static func tensors(_ architecture: ModelMetadata.ArchitectureInfo, seed: UInt64 = 7) throws -> [NamedTensor] {
        let network = try Network(architecture: architecture.modelArchitecture)
        var random = RandomSource(seed: seed)
        network.initializeParameters(using: &random)
        return network.contractTensors()
    }

    /// Recomputes every checksum a defect would otherwise trip: each in-bounds section's CRC, the header CRC, and
    /// the footer SHA-256. Table fields out of range are left alone (the reader must refuse them by rule).
    static func resealed(_ original: [UInt8]) -> [UInt8] {
        var bytes = original
        guard bytes.count >= 104 else { return bytes }
        let footer = bytes.count - 40
        let count = Int(load(UInt32.self, bytes, 12))
        let tableEnd = 64 + 64 * count
        if count <= 16384 && tableEnd <= footer {
            for i in 0..<count {
                let at = 64 + 64 * i
                let offset = load(UInt64.self, bytes, at + 16)
                let length = load(UInt64.self, bytes, at + 24)
                guard offset <= UInt64(footer), length <= UInt64(footer) - offset else { continue }
                let crc = CRC32.checksum(Array(bytes[Int(offset)..<Int(offset + length)]))
                store(crc, &bytes, at + 12)
            }
            let crc = CRC32.checksum(Array(bytes[0..<60] + bytes[64..<tableEnd]))
            store(crc, &bytes, 60)
        }
        // The library's hash (fast) is fine here: this builds test input, it does not check results.
        return Array(bytes[..<footer]) + SHA256Digest.of(Array(bytes[..<footer])) + Array(bytes[(footer + 32)...])
    }

    static func load<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], _ offset: Int) -> T {
        (0..<MemoryLayout<T>.size).reduce(T(0)) { $0 | T(bytes[offset + $1]) << (8 * $1) }
    }

    static func store<T: FixedWidthInteger>(_ value: T, _ bytes: inout [UInt8], _ offset: Int) {
        for i in 0..<MemoryLayout<T>.size { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }
}
