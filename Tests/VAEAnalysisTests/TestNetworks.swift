import VAEAnalysis
import VAECore
import VAEData
import VAEModel

/// Small networks and images for the analysis tests, built in memory.
enum TestNetworks {
    static let shape = ImageShape(height: 28, width: 28)

    /// A randomly initialised network.
    static func network(kind: Architecture.Kind, zDim: Int, hidden: [Int] = [32], seed: UInt64 = 1) -> Network {
        let network = try! Network(architecture: Architecture(kind: kind, input: shape, hidden: hidden, zDim: zDim))
        var random = RandomSource(seed: seed)
        network.initializeParameters(using: &random)
        return network
    }

    /// Images of a blob whose position depends on the label (4 classes), with a little noise.
    static func dataset(count: Int, seed: UInt64 = 5) -> Dataset {
        var random = RandomSource(seed: seed)
        var images: [UInt8] = []
        for index in 0..<count {
            let label = index % 4, cx = 8 + (label % 2) * 12, cy = 8 + (label / 2) * 12
            for y in 0..<28 {
                for x in 0..<28 {
                    let inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) < 30
                    let jitter = UInt8(random.next() % 40)
                    images.append(inside ? 215 + jitter : jitter / 2)
                }
            }
        }
        return Dataset(shape: shape, images: images, labels: (0..<count).map { UInt8($0 % 4) })
    }
}
