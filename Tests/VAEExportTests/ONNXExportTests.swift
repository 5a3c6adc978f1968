import Foundation
import SwiftProtobuf
import Testing
import VAECore
import VAEExport
import VAEFormat
import VAEModel
import VAEONNXProto
import VAETestSupport

/// A random-weight model read back from its .vaez bytes, as the exporter gets it.
func model(_ kind: Architecture.Kind, hidden: [Int] = [16, 8], dtype: TensorDType = .f32, seed: UInt64 = 3,
           activation: String = "relu") throws -> VAEZFile {
    var architecture = Architecture(kind: kind, input: ImageShape(height: 6, width: 5), hidden: hidden, zDim: 3)
    let network = try Network(architecture: architecture)
    var random = RandomSource(seed: seed)
    network.initializeParameters(using: &random)
    architecture.activation = activation
    let metadata = ModelMetadata(
        architecture: .init(architecture), latent: .prior(zDim: 3), producer: .init(name: "test", version: "0"),
        created: "2026-01-01T00:00:00Z")
    let bytes = try VAEZWriter.serialize(metadata: metadata, tensors: network.contractTensors(), dtype: dtype)
    return try VAEZReader.read(bytes: bytes)
}

/// The names of a graph's value infos.
func names(_ values: [Onnx_ValueInfoProto]) -> [String] { values.map(\.name) }

/// A value info's shape, the named batch dimension as -1.
func shape(_ value: Onnx_ValueInfoProto) -> [Int64] {
    value.type.tensorType.shape.dim.map { dim in
        if case .dimParam(let name)? = dim.value, name == "N" { return -1 }
        return dim.dimValue
    }
}

@Suite("ONNX graphs: structure, metadata, numbers")
struct ONNXExportTests {
    @Test(arguments: Architecture.Kind.allCases)
    func flatEncoderHasTheDocumentedInterface(kind: Architecture.Kind) throws {
        let file = try model(kind)
        let proto = try ONNXExport.model(file, .init(part: .encoder))
        #expect(proto.irVersion == 8)
        #expect(proto.opsetImport.map(\.version) == [17] && proto.opsetImport.map(\.domain) == [""])
        #expect(names(proto.graph.input) == ["x"] && shape(proto.graph.input[0]) == [-1, 30])
        #expect(names(proto.graph.output) == (kind == .vae ? ["mu", "logvar"] : ["z"]))
        #expect(proto.graph.output.allSatisfy { shape($0) == [-1, 3] && $0.type.tensorType.elemType == 1 })
    }

    @Test(arguments: ModelPart.allCases, GraphInterface.allCases)
    func graphsAreWellFormed(part: ModelPart, interface: GraphInterface) throws {
        for kind in Architecture.Kind.allCases {
            for weights in WeightStorage.allCases {
                let file = try model(kind)
                let graph = try ONNXExport.model(file, .init(part: part, interface: interface, weights: weights)).graph
                let signature = GraphSignature(file.metadata.architecture, part: part, interface: interface)
                #expect(names(graph.input) == signature.inputs.map(\.name))
                #expect(names(graph.output) == signature.outputs.map(\.name))
                // Every node's inputs are defined before it (single assignment, topological order).
                var defined = Set(names(graph.input) + graph.initializer.map(\.name))
                for node in graph.node {
                    #expect(node.input.allSatisfy(defined.contains), "\(node.name) reads an undefined tensor")
                    #expect(node.output.allSatisfy { !defined.contains($0) }, "\(node.name) redefines a tensor")
                    defined.formUnion(node.output)
                }
                #expect(graph.output.allSatisfy { defined.contains($0.name) })
                let standard: Set = ["Gemm", "Relu", "Sigmoid", "Reshape", "Identity", "Cast", "Mul", "Round"]
                #expect(Set(graph.node.map(\.opType)).isSubset(of: standard))
                #expect(graph.node.allSatisfy { $0.domain.isEmpty })
                // The layers' parameters in the asked type; the other constants are shapes (int64) and 255 (float).
                let parameters = graph.initializer.filter { !["flat_shape", "image_shape", "levels"].contains($0.name) }
                #expect(Set(parameters.map(\.dataType)) == [weights == .f32 ? 1 : 10])
            }
        }
    }

    @Test func metadataNamesTheSource() throws {
        let file = try model(.vae, dtype: .int8)
        let proto = try ONNXExport.model(file, .init(part: .decoder, weights: .f16, producerVersion: "9.9"))
        var properties: [String: String] = [:]
        for entry in proto.metadataProps { properties[entry.key] = entry.value }
        #expect(properties["vae.source_sha256"] == file.fileSHA256)
        #expect(properties["vae.source_content_sha256"] == file.contentSHA256)
        #expect(properties["vae.source_dtype"] == "int8" && properties["vae.weights"] == "f16")
        #expect(properties["vae.part"] == "decoder" && properties["vae.kind"] == "vae")
        #expect(properties["vae.architecture"]?.contains("\"z_dim\":3") == true)
        #expect(properties["vae.metadata"] == String(decoding: try file.metadata.canonicalJSON(), as: UTF8.self))
        #expect(proto.metadataProps.count == 11 && proto.producerName == "vae" && proto.producerVersion == "9.9")
    }

    @Test func serializationRoundTripsAndIsDeterministic() throws {
        let file = try model(.ae)
        let bytes = try ONNXExport.serialized(file, .init(part: .denoise))
        #expect(bytes == (try ONNXExport.serialized(file, .init(part: .denoise))))
        let parsed = try Onnx_ModelProto(serializedBytes: bytes)
        #expect(parsed == (try ONNXExport.model(file, .init(part: .denoise))))
    }

    @Test func f16WeightsAreTheRoundedValuesCastBack() throws {
        let file = try model(.vae)
        let graph = try ONNXExport.model(file, .init(part: .encoder, weights: .f16)).graph
        let stored = try #require(graph.initializer.first { $0.name == "encoder.0.weight.f16" })
        let original = try #require(file.tensor(named: "encoder.0.weight"))
        #expect(stored.dims == original.shape.map(Int64.init) && stored.dataType == 10)
        let halves = stored.rawData.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
        #expect(halves.map { UInt16(littleEndian: $0) } == original.values.map(HalfFloat.narrow))
        let cast = try #require(graph.node.first { $0.output == ["encoder.0.weight"] })
        #expect(cast.opType == "Cast" && cast.input == ["encoder.0.weight.f16"] && cast.attribute.first?.i == 1)
    }

    /// The graphs computed by a small interpreter of their operators agree with the network's own passes.
    @Test(arguments: Architecture.Kind.allCases)
    func graphsComputeTheNetworksPasses(kind: Architecture.Kind) throws {
        let file = try model(kind, hidden: [7])
        let network = try Network.load(file, trainable: false)
        let batch = 4
        var random = RandomSource(seed: 9)
        let images = (0..<batch * 30).map { _ in random.nextUnitFloat() }
        let workspace = Workspace(network: network, capacity: batch, inference: true)
        network.encode(images, batch: batch, workspace: workspace)
        let headWidth = network.architecture.headWidth
        let head = Array(UnsafeBufferPointer(start: workspace.head.pointer, count: batch * headWidth))
        network.latentMeans(batch: batch, workspace: workspace)
        let decoded = Array(UnsafeBufferPointer(
            start: network.decode(workspace.z.pointer, batch: batch, workspace: workspace, probabilities: true),
            count: batch * 30))
        let mu = (0..<batch).flatMap { row in head[(row * headWidth)...].prefix(3) }

        let encoder = try ONNXExport.model(file, .init(part: .encoder, interface: .images)).graph
        let encoded = try Interpreter.run(encoder, ["images": (images, [batch, 6, 5])])
        #expect(agreement(encoded["mu"]!.values, mu, within: 1e-5).holds)
        #expect(encoded["z"]!.values == encoded["mu"]!.values)
        if kind == .vae {
            let logvar = (0..<batch).flatMap { row in head[(row * 6 + 3)...].prefix(3) }
            #expect(agreement(encoded["logvar"]!.values, logvar, within: 1e-5).holds)
        }
        let denoise = try ONNXExport.model(file, .init(part: .denoise)).graph
        let denoised = try Interpreter.run(denoise, ["x": (images, [batch, 30])])
        #expect(denoised["reconstruction"]!.shape == [batch, 30])
        #expect(agreement(denoised["reconstruction"]!.values, decoded, within: 1e-5).holds)
        let decoder = try ONNXExport.model(file, .init(part: .decoder, interface: .images)).graph
        let pixels = try Interpreter.run(decoder, ["z": (mu, [batch, 3])])
        #expect(pixels["images_fp32"]!.shape == [batch, 6, 5])
        #expect(agreement(pixels["images_fp32"]!.values, decoded, within: 1e-5).holds)
        #expect(zip(pixels["images"]!.values, decoded).allSatisfy { abs($0 - ($1 * 255).rounded()) <= 1 })
    }
}

/// Runs the operators the exporter writes, in float32 (Double accumulation), for checking graphs in Swift.
enum Interpreter {
    struct Value {
        var values: [Float]
        var shape: [Int]
    }

    struct Unsupported: Error { let op: String }

    static func run(_ graph: Onnx_GraphProto, _ inputs: [String: ([Float], [Int])]) throws -> [String: Value] {
        var env: [String: Value] = [:]
        for (name, input) in inputs { env[name] = Value(values: input.0, shape: input.1) }
        for tensor in graph.initializer { env[tensor.name] = decode(tensor) }
        for node in graph.node {
            let a = env[node.input[0]]!
            let result: Value
            switch node.opType {
            case "Gemm":
                let w = env[node.input[1]]!, b = env[node.input[2]]!
                let (rows, k, n) = (a.shape[0], a.shape[1], w.shape[0])
                var out = [Float](repeating: 0, count: rows * n)
                for r in 0..<rows {
                    for o in 0..<n {
                        var sum = Double(b.values[o])
                        for i in 0..<k { sum += Double(a.values[r * k + i]) * Double(w.values[o * k + i]) }
                        out[r * n + o] = Float(sum)
                    }
                }
                result = Value(values: out, shape: [rows, n])
            case "Relu": result = Value(values: a.values.map { max($0, 0) }, shape: a.shape)
            case "Sigmoid": result = Value(values: a.values.map { 1 / (1 + exp(-$0)) }, shape: a.shape)
            case "Identity", "Cast": result = a
            case "Round": result = Value(values: a.values.map { $0.rounded(.toNearestOrEven) }, shape: a.shape)
            case "Mul": result = Value(values: a.values.map { $0 * env[node.input[1]]!.values[0] }, shape: a.shape)
            case "Reshape":
                let target = env[node.input[1]]!.values.map(Int.init)
                let known = target.filter { $0 != -1 }.reduce(1, *)
                result = Value(values: a.values, shape: target.map { $0 == -1 ? a.values.count / known : $0 })
            default: throw Unsupported(op: node.opType)
            }
            env[node.output[0]] = result
        }
        return env
    }

    private static func decode(_ tensor: Onnx_TensorProto) -> Value {
        let shape = tensor.dims.map(Int.init)
        let raw = [UInt8](tensor.rawData)
        let values: [Float]
        switch tensor.dataType {
        case 1: values = stride(from: 0, to: raw.count, by: 4).map { Float(bitPattern: word(raw, $0, 4)) }
        case 10: values = stride(from: 0, to: raw.count, by: 2).map { HalfFloat.widen(UInt16(word(raw, $0, 2))) }
        default: values = stride(from: 0, to: raw.count, by: 8).map { Float(Int64(bitPattern: word64(raw, $0))) }
        }
        return Value(values: values, shape: shape)
    }

    private static func word(_ raw: [UInt8], _ offset: Int, _ count: Int) -> UInt32 {
        (0..<count).reduce(0) { $0 | UInt32(raw[offset + $1]) << (8 * $1) }
    }

    private static func word64(_ raw: [UInt8], _ offset: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(raw[offset + $1]) << (8 * $1) }
    }
}
