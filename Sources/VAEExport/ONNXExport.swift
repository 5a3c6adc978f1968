import Foundation
import SwiftProtobuf
import VAEFormat
import VAEJSON
import VAEONNXProto

/// A `.vaez` model as ONNX graphs of standard operators (Formats/onnx.md).
///
/// Each dense layer is one `Gemm` (`transB = 1`, so the weights keep the file's `[out, in]` layout), followed by
/// `Relu` in hidden layers and `Sigmoid` at the decoder's output. The batch dimension is the named dimension `N`.
package enum ONNXExport {
    /// The operator set the graphs are written against (ai.onnx, the default domain).
    package static let opsetVersion: Int64 = 17
    /// The IR version that goes with opset 17 (ONNX 1.12).
    package static let irVersion: Int64 = 8
    /// The name of the batch dimension.
    package static let batchDimension = "N"

    /// What to export and how.
    package struct Options: Sendable, Hashable {
        package var part: ModelPart
        package var interface: GraphInterface
        package var weights: WeightStorage
        /// The exporting program's version, recorded as the model's `producer_version`.
        package var producerVersion: String

        package init(part: ModelPart, interface: GraphInterface = .flat, weights: WeightStorage = .f32,
                     producerVersion: String = "0.1.0") {
            self.part = part
            self.interface = interface
            self.weights = weights
            self.producerVersion = producerVersion
        }
    }

    /// The serialized ONNX model (`ModelProto`) of one part of `file`.
    /// - Throws: `ExportError` (`unsupported_model`) when the model cannot be expressed with these operators.
    package static func serialized(_ file: VAEZFile, _ options: Options) throws(ExportError) -> [UInt8] {
        let model = try self.model(file, options)
        do {
            return try model.serializedBytes()
        } catch {
            throw ExportError(.unsupportedModel, "the ONNX model could not be serialized: \(error)")
        }
    }

    /// The ONNX model of one part of `file`: its graph, opset, and the source's metadata in `metadata_props`.
    /// - Throws: `ExportError` (`unsupported_model`) for another activation than ReLU hidden layers with a sigmoid
    ///   output, or a tensor the file lacks.
    package static func model(_ file: VAEZFile, _ options: Options) throws(ExportError) -> Onnx_ModelProto {
        let architecture = file.metadata.architecture
        guard architecture.activation == "relu", architecture.outputActivation == "sigmoid" else {
            throw ExportError(
                .unsupportedModel,
                "only relu hidden layers with a sigmoid output are exported (this model has \(architecture.activation) "
                    + "and \(architecture.outputActivation))")
        }
        var graph = GraphWriter(file: file, options: options)
        try graph.build()

        var model = Onnx_ModelProto()
        model.irVersion = irVersion
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = opsetVersion
        model.opsetImport = [opset]
        model.producerName = "vae"
        model.producerVersion = options.producerVersion
        model.domain = "vae"
        model.modelVersion = 1
        let kind = architecture.kind.rawValue
        let article = kind.first.map { "aeiou".contains($0) } == true ? "an" : "a"
        model.docString =
            "The \(options.part.rawValue) of \(article) \(kind) model, exported from the .vaez file with "
            + "SHA-256 \(file.fileSHA256). Tensor names and shapes: Formats/onnx.md."
        model.graph = graph.builder.graph
        model.metadataProps = try metadataProperties(file, options).map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return model
    }

    /// The `metadata_props` entries, in a fixed order (Formats/onnx.md lists the keys).
    static func metadataProperties(_ file: VAEZFile, _ options: Options) throws(ExportError)
        -> KeyValuePairs<String, String>
    {
        let document: JSONValue
        let canonical: [UInt8]
        do {
            canonical = try file.metadata.canonicalJSON()
            document = try JSONParser().parse(canonical)
        } catch {
            throw ExportError(.unsupportedModel, "the model's metadata could not be encoded: \(error)")
        }
        let architecture = file.metadata.architecture
        return [
            "vae.part": options.part.rawValue,
            "vae.interface": options.interface.rawValue,
            "vae.kind": architecture.kind.rawValue,
            "vae.architecture": document["architecture"]?.jsonText ?? "null",
            "vae.dataset": file.metadata.training.dataset.name ?? "",
            "vae.training": document["training"]?.jsonText ?? "null",
            "vae.metadata": String(decoding: canonical, as: UTF8.self),
            "vae.source_sha256": file.fileSHA256,
            "vae.source_content_sha256": file.contentSHA256,
            "vae.source_dtype": file.weightDType.description,
            "vae.weights": options.weights.rawValue,
        ]
    }
}

/// Writes the nodes of one part into a graph builder, layer by layer.
private struct GraphWriter {
    let file: VAEZFile
    let options: ONNXExport.Options
    let signature: GraphSignature
    var builder: ONNXGraphBuilder

    init(file: VAEZFile, options: ONNXExport.Options) {
        self.file = file
        self.options = options
        signature = GraphSignature(file.metadata.architecture, part: options.part, interface: options.interface)
        builder = ONNXGraphBuilder(name: "vae_\(options.part.rawValue)")
    }

    private var architecture: ModelMetadata.ArchitectureInfo { file.metadata.architecture }
    private var pixels: Int { architecture.input.height * architecture.input.width * architecture.input.channels }

    mutating func build() throws(ExportError) {
        for tensor in signature.inputs { builder.input(tensor.name, Self.element(tensor), Self.shape(tensor)) }
        let isVAE = architecture.kind == .vae
        let input = flattenedInput()
        switch (options.part, options.interface) {
        case (.encoder, .flat):
            try encoder(input, mu: isVAE ? "mu" : "z", logvar: isVAE ? "logvar" : nil)
        case (.encoder, .images):
            try encoder(input, mu: "mu", logvar: isVAE ? "logvar" : nil)
            builder.node("Identity", ["mu"], "z")
        case (.decoder, _):
            try decoder(signature.inputs[0].name)
        case (.denoise, _):
            try encoder(input, mu: "mu", logvar: nil)
            try decoder("mu")
        }
        for tensor in signature.outputs { builder.output(tensor.name, Self.element(tensor), Self.shape(tensor)) }
    }

    /// The name of the `[N, H*W]` input: the graph input itself, or its reshape when it comes as images.
    private mutating func flattenedInput() -> String {
        let input = signature.inputs[0]
        guard input.dims.count > 1 else { return input.name }
        builder.int64s("flat_shape", [-1, Int64(pixels)])
        builder.node("Reshape", [input.name, "flat_shape"], "x")
        return "x"
    }

    /// Hidden layers, then the mu head (and the logvar head when `logvar` names an output).
    private mutating func encoder(_ input: String, mu: String, logvar: String?) throws(ExportError) {
        var current = input
        for index in architecture.hidden.indices {
            current = try dense("encoder.\(index)", current, output: "encoder.\(index).relu", relu: true)
        }
        _ = try dense("mu", current, output: mu, relu: false)
        if let logvar { _ = try dense("logvar", current, output: logvar, relu: false) }
    }

    /// Hidden layers, the output layer's logits, the sigmoid, and the outputs the signature asks for.
    private mutating func decoder(_ z: String) throws(ExportError) {
        let layers = architecture.hidden.count + 1
        var current = z
        for index in 0..<layers {
            let last = index == layers - 1
            current = try dense(
                "decoder.\(index)", current, output: last ? "logits" : "decoder.\(index).relu", relu: !last)
        }
        switch options.interface {
        case .flat:
            builder.node("Sigmoid", [current], signature.outputs[0].name)
        case .images:
            builder.node("Sigmoid", [current], "probabilities")
            builder.int64s("image_shape", [-1] + signature.outputs.last!.dims.map(Int64.init))
            builder.node("Reshape", ["probabilities", "image_shape"], "images_fp32")
            if signature.outputs.contains(where: { $0.name == "images" }) {
                // Pixels 0…255: the nearest level (Round is half to even).
                builder.scalar("levels", 255)
                builder.node("Mul", ["images_fp32", "levels"], "images_scaled")
                builder.node("Round", ["images_scaled"], "images_rounded")
                builder.node("Cast", ["images_rounded"], "images",
                             attributes: [.int("to", Int64(ONNXGraphBuilder.ElementType.uint8.rawValue))])
            }
        }
    }

    /// `output = input · Wᵀ + b` (then ReLU when `relu`) with the file's `NAME.weight` and `NAME.bias`.
    /// - Returns: the name of the layer's output.
    private mutating func dense(_ name: String, _ input: String, output: String, relu: Bool) throws(ExportError)
        -> String
    {
        let weight = try parameter("\(name).weight"), bias = try parameter("\(name).bias")
        let storage: ONNXGraphBuilder.ElementType = options.weights == .f16 ? .float16 : .float
        if storage == .float16 {
            // A finite value that rounds to infinity in float16 would make the graph's outputs inf or NaN: refuse.
            for tensor in [weight, bias] where tensor.values.contains(where: { $0.isFinite && abs($0) >= 65520 }) {
                throw ExportError(
                    .unsupportedModel, "\(tensor.name) has values beyond float16's range (±65504); export f32 weights")
            }
        }
        let w = builder.weights(weight.name, shape: weight.shape, values: weight.values, storage: storage)
        let b = builder.weights(bias.name, shape: bias.shape, values: bias.values, storage: storage)
        let linear = relu ? "\(name).linear" : output
        builder.node("Gemm", [input, w, b], linear, attributes: [.int("transB", 1)])
        if relu { builder.node("Relu", [linear], output) }
        return output
    }

    private func parameter(_ name: String) throws(ExportError) -> VAEZFile.Tensor {
        guard let tensor = file.tensor(named: name) else {
            throw ExportError(.unsupportedModel, "the model has no tensor \(name)")
        }
        return tensor
    }

    private static func element(_ tensor: TensorSignature) -> ONNXGraphBuilder.ElementType {
        tensor.element == .uint8 ? .uint8 : .float
    }

    private static func shape(_ tensor: TensorSignature) -> [ONNXGraphBuilder.Dimension] {
        [.named(ONNXExport.batchDimension)] + tensor.dims.map { .fixed($0) }
    }
}
