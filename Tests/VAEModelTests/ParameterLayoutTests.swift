import Testing
import VAECore
import VAEModel

@Suite struct ParameterLayoutTests {
    let mnist = ImageShape(height: 28, width: 28)

    @Test func examplesArchitectureNamesAndCount() {
        let architecture = Architecture(kind: .vae, input: mnist, hidden: [400], zDim: 20)
        let shapes = Dictionary(uniqueKeysWithValues: architecture.tensors.map { ($0.name, $0.shape) })
        #expect(shapes == [
            "encoder.0.weight": [400, 784], "encoder.0.bias": [400],
            "mu.weight": [20, 400], "mu.bias": [20], "logvar.weight": [20, 400], "logvar.bias": [20],
            "decoder.0.weight": [400, 20], "decoder.0.bias": [400],
            "decoder.1.weight": [784, 400], "decoder.1.bias": [784],
        ])
        // pytorch/examples/vae: fc1 784·400+400, fc21 and fc22 400·20+20, fc3 20·400+400, fc4 400·784+784.
        #expect(architecture.parameterCount == 314_000 + 2 * 8_020 + 8_400 + 314_384)
    }

    @Test func aeHasNoLogvarAndTensorsTileTheBuffer() {
        let architecture = Architecture(kind: .ae, input: mnist, hidden: [400, 256, 128], zDim: 2)
        let tensors = architecture.tensors.sorted { $0.offset < $1.offset }
        #expect(!tensors.contains { $0.name.hasPrefix("logvar") })
        var next = 0
        for tensor in tensors {
            #expect(tensor.offset == next, "\(tensor.name) leaves a gap or overlaps")
            next = tensor.offset + tensor.count
        }
        #expect(next == architecture.parameterCount)
        #expect(tensors.last?.name == "decoder.3.bias")
    }

    @Test func invalidArchitecturesAreRefused() {
        #expect(throws: ArchitectureError.self) {
            try Architecture(kind: .vae, input: mnist, hidden: [400], zDim: 0).validate()
        }
        #expect(throws: ArchitectureError.self) {
            try Architecture(kind: .vae, input: mnist, hidden: [0], zDim: 2).validate()
        }
    }
}
