import Testing
import VAECore
import VAEModel
import VAENumerics
import VAETestSupport

@Suite("Forward passes without training buffers")
struct InferenceWorkspaceTests {
    /// Three encoder and four decoder layers (the last makes the image), so the inference workspace's two buffers are each reused.
    static let architecture = Architecture(kind: .vae, input: ImageShape(height: 4, width: 5), hidden: [16, 12, 8],
                                           zDim: 3)

    /// Gives `target` every weight of `source`, tensor by tensor (through `setValues`, as a loaded model gets them).
    static func copyWeights(from source: Network, to target: Network) {
        for tensor in source.layout.tensors { target.setValues(source.values(of: tensor), of: tensor) }
    }

    @Test("an inference workspace gives the training workspace's encode and decode bit for bit")
    func sameResults() throws {
        let network = try Network(architecture: Self.architecture)
        var random = RandomSource(seed: 5)
        network.initializeParameters(using: &random)
        let batch = 7, pixels = 20, headWidth = Self.architecture.headWidth
        let input = FloatBuffer((0..<(batch * pixels)).map { _ in random.nextUnitFloat() })
        let codes = FloatBuffer((0..<(batch * 3)).map { _ in random.nextUnitFloat() * 2 - 1 })

        func run(_ workspace: Workspace) -> (head: [Float], images: [Float]) {
            network.encode(input.pointer, batch: batch, workspace: workspace)
            let head = Array(UnsafeBufferPointer(start: workspace.head.pointer, count: batch * headWidth))
            let output = network.decode(codes.pointer, batch: batch, workspace: workspace, probabilities: true)
            return (head, Array(UnsafeBufferPointer(start: output, count: batch * pixels)))
        }
        let training = run(Workspace(network: network, capacity: batch))
        let inference = run(Workspace(network: network, capacity: batch, inference: true))
        #expect(training.head == inference.head)
        #expect(training.images == inference.images)
        #expect(training.images.allSatisfy { $0 > 0 && $0 < 1 })
    }

    @Test("an inference workspace holds two layer buffers, not one per layer")
    func twoBuffers() throws {
        let network = try Network(architecture: Self.architecture)
        let workspace = Workspace(network: network, capacity: 2, inference: true)
        let distinct = Set((workspace.encoderOutputs + workspace.decoderOutputs).map(ObjectIdentifier.init))
        #expect(distinct.count == 2)
        #expect(!workspace.keepsActivations)
        let training = Workspace(network: network, capacity: 2)
        let layers = network.layout.encoder.count + network.layout.decoder.count
        #expect(layers == 7)
        #expect(Set((training.encoderOutputs + training.decoderOutputs).map(ObjectIdentifier.init)).count == layers)
    }

    @Test("a network without gradients evaluates its loss, in either workspace, as a trainable one does")
    func evaluatesWithoutGradients() throws {
        let trainable = try Network(architecture: Self.architecture)
        var random = RandomSource(seed: 8)
        trainable.initializeParameters(using: &random)
        let frozen = try Network(architecture: Self.architecture, trainable: false)
        Self.copyWeights(from: trainable, to: frozen)
        let batch = 5
        let input = FloatBuffer((0..<(batch * 20)).map { _ in random.nextUnitFloat() })
        func loss(_ network: Network, _ workspace: Workspace) -> Double {
            var noise = RandomSource(seed: 3)
            return network.evaluate(input: input.pointer, target: input.pointer, batch: batch, workspace: workspace,
                                    random: &noise).total
        }
        let reference = loss(trainable, Workspace(network: trainable, capacity: batch))
        #expect(reference > 0)
        #expect(loss(frozen, Workspace(network: frozen, capacity: batch)) == reference)
        #expect(loss(frozen, Workspace(network: frozen, capacity: batch, inference: true)) == reference)
    }

    @Test("a single mostly-zero image encodes through the sparse first layer as through the dense one")
    func sparseFirstLayer() throws {
        let dense = try Network(architecture: Self.architecture)
        var random = RandomSource(seed: 13)
        dense.initializeParameters(using: &random)
        let sparse = try Network(architecture: Self.architecture, trainable: false)
        Self.copyWeights(from: dense, to: sparse)
        sparse.prepareSparseFirstLayer()
        func head(_ network: Network, _ image: [Float]) -> [Float] {
            let workspace = Workspace(network: network, capacity: 1, inference: true)
            image.withUnsafeBufferPointer { network.encode($0.baseAddress!, batch: 1, workspace: workspace) }
            return Array(UnsafeBufferPointer(start: workspace.head.pointer, count: Self.architecture.headWidth))
        }
        // 20 pixels: 14 zeros (sparse path), then a dense image (the GEMM path in both).
        var image = [Float](repeating: 0, count: 20)
        for i in [1, 4, 7, 11, 15, 19] { image[i] = random.nextUnitFloat() }
        let denseImage = (0..<20).map { _ in random.nextUnitFloat() + 0.01 }
        // Another order of the same sums: equal to float rounding (the tolerance batching is held to).
        func agree(_ input: [Float]) -> Agreement {
            agreement(head(dense, input), head(sparse, input), within: Tolerance.batching)
        }
        for input in [image, denseImage] {
            let check = agree(input)
            #expect(check.holds, "\(check)")
            #expect(head(dense, input).contains { $0 != 0 })
        }
        // New weights drop the copy: no stale first layer.
        dense.initializeParameters(using: &random)
        Self.copyWeights(from: dense, to: sparse)
        #expect(agree(image).holds, "\(agree(image))")
        sparse.prepareSparseFirstLayer()
        var same = RandomSource(seed: 21), again = RandomSource(seed: 21)
        dense.initializeParameters(using: &same)
        sparse.initializeParameters(using: &again)
        #expect(agree(image).holds, "\(agree(image))")
    }

    @Test("a network made without gradients has no gradient buffer")
    func notTrainable() throws {
        let frozen = try Network(architecture: Self.architecture, trainable: false)
        #expect(frozen.gradients.count == 0 && !frozen.isTrainable)
        let trainable = try Network(architecture: Self.architecture)
        #expect(trainable.gradients.count == trainable.parameters.count && trainable.isTrainable)
    }
}
