import Testing
import VAECore
import VAEFormat
import VAEModel

@Suite("Network ↔ .vaez")
struct NetworkGlueTests {
    static func randomNetwork(_ architecture: ModelMetadata.ArchitectureInfo, seed: UInt64) throws -> Network {
        let network = try Network(architecture: architecture.modelArchitecture)
        var random = RandomSource(seed: seed)
        network.initializeParameters(using: &random)
        return network
    }

    static func parameters(_ network: Network) -> [UInt32] {
        (0..<network.layout.parameterCount).map { network.parameters.pointer[$0].bitPattern }
    }

    @Test(arguments: [
        ModelMetadata.ArchitectureInfo(
            kind: .vae, input: .init(height: 4, width: 3, channels: 2), hidden: [7, 5], zDim: 3),
        ModelMetadata.ArchitectureInfo(kind: .ae, input: .init(height: 5, width: 5, channels: 1), hidden: [6], zDim: 2),
        ModelMetadata.ArchitectureInfo(kind: .vae, input: .init(height: 2, width: 3, channels: 2), hidden: [], zDim: 2),
    ])
    func networkWriteReadLoadIsIdentical(architecture: ModelMetadata.ArchitectureInfo) throws {
        let network = try Self.randomNetwork(architecture, seed: 11)
        let bytes = try VAEZWriter.serialize(
            metadata: TestModels.metadata(architecture), tensors: network.contractTensors(),
            created: TestModels.fixedCreated)
        let file = try VAEZReader.read(bytes: bytes)
        let loaded = try Network.load(file)
        #expect(loaded.architecture == network.architecture)
        #expect(Self.parameters(loaded) == Self.parameters(network))
        #expect(Self.parameters(network).contains { $0 != 0 })
    }

    @Test func contractTensorsAreInContractOrderWithTheLayoutsShapes() throws {
        let architecture = ModelMetadata.ArchitectureInfo(
            kind: .vae, input: .init(height: 3, width: 3, channels: 1), hidden: [4, 3], zDim: 2)
        let network = try Self.randomNetwork(architecture, seed: 3)
        let names = network.contractTensors().map(\.name)
        #expect(
            names == [
                "encoder.0.weight", "encoder.0.bias", "encoder.1.weight", "encoder.1.bias", "mu.weight", "mu.bias",
                "logvar.weight", "logvar.bias", "decoder.0.weight", "decoder.0.bias", "decoder.1.weight",
                "decoder.1.bias",
                "decoder.2.weight", "decoder.2.bias",
            ])
        for tensor in network.contractTensors() {
            let spec = try #require(network.tensor(named: tensor.name))
            #expect(tensor.shape == spec.shape)
            #expect(tensor.values == network.values(of: spec))
        }
    }

    @Test func aFileForAnotherArchitectureIsRefusedWithShapeContract() throws {
        let small = try Self.randomNetwork(TestModels.smallArchitecture, seed: 5)
        let bytes = try VAEZWriter.serialize(
            metadata: TestModels.metadata(TestModels.smallArchitecture),
            tensors: small.contractTensors(), created: TestModels.fixedCreated)
        let file = try VAEZReader.read(bytes: bytes)
        var wider = TestModels.smallArchitecture
        wider.hidden = [17]
        let other = try Self.randomNetwork(wider, seed: 5)
        let before = Self.parameters(other)
        #expect(throws: VAEZError.self) { try other.loadParameters(from: file) }
        do {
            try other.loadParameters(from: file)
        } catch {
            #expect(error.rule == .shapeContract)
        }
        #expect(Self.parameters(other) == before, "a refused load changes nothing")
        var plain = TestModels.smallArchitecture
        plain.kind = .ae
        let autoencoder = try Self.randomNetwork(plain, seed: 5)
        do {
            try autoencoder.loadParameters(from: file)
            Issue.record("a VAE file loaded into an AE")
        } catch {
            #expect(error.rule == .shapeContract)
        }
    }

    @Test func anArchitectureTheNetworkCannotRunIsAnArchitectureError() throws {
        var metadata = TestModels.metadata(TestModels.smallArchitecture)
        metadata.architecture.activation = "tanh"
        let tensors = try TestModels.tensors(TestModels.smallArchitecture)
        let file = try VAEZReader.read(
            bytes: try VAEZWriter.serialize(
                metadata: metadata, tensors: tensors, created: TestModels.fixedCreated))
        #expect(throws: ArchitectureError.self) { try Network.load(file) }
    }
}
