import Foundation
import Testing
import VAEModel
import VAETestSupport

@testable import VAEFormat

@Suite("The shape contract")
struct ShapeContractTests {
    static let architectures: [ModelMetadata.ArchitectureInfo] = [
        TestModels.smallArchitecture, TestModels.seedArchitecture,
        .init(kind: .ae, input: .init(height: 2, width: 3, channels: 2), hidden: [], zDim: 5),
        .init(kind: .vae, input: .init(height: 1, width: 1, channels: 1), hidden: [3, 3, 3, 3], zDim: 1),
    ]

    @Test(arguments: architectures)
    func contractMatchesTheNetworkLayoutAndThePythonReference(architecture: ModelMetadata.ArchitectureInfo) throws {
        let contract = ShapeContract(architecture)
        let ours = (0..<contract.count).map { contract.tensor(at: $0) }
        // The same set as the model's own parameter layout (whose storage order differs for the heads).
        let layout = ParameterLayout(architecture.modelArchitecture).tensors
        #expect(Set(ours.map(\.name)) == Set(layout.map(\.name)))
        for spec in layout { #expect(contract.shape(of: spec.name) == spec.shape.map(UInt64.init), "\(spec.name)") }
        // The same names, shapes and order as the reference's expected_tensor_names.
        let json = try String(decoding: JSONEncoder().encode(architecture), as: UTF8.self)
        let python = try withTemporaryDirectory { directory in
            let path = directory + "/arch.json"
            try json.write(toFile: path, atomically: true, encoding: .utf8)
            return try #require(try PythonReference.json("contract", path) as? [[Any]])
        }
        #expect(python.map { $0[0] as? String } == ours.map(\.name))
        #expect(python.map { ($0[1] as? [Int])?.map(UInt64.init) } == ours.map(\.shape))
    }

    @Test func namesOutsideTheContractAreUnexpected() {
        let contract = ShapeContract(TestModels.smallArchitecture)
        for name in [
            "encoder.01.weight", "encoder.1.weight", "encoder.0", "mu.weight.x", "mu..weight", "decoder.2.bias",
            "decoder.-0.bias", "Mu.weight", "mu.weight ", "encoder.0.Weight", "", "logvar.bias\u{301}",
        ] {
            #expect(contract.shape(of: name) == nil, "\(name)")
        }
        #expect(contract.shape(of: "decoder.1.weight") == [16, 16])
        var autoencoder = TestModels.smallArchitecture
        autoencoder.kind = .ae
        #expect(ShapeContract(autoencoder).shape(of: "logvar.weight") == nil)
    }
}
