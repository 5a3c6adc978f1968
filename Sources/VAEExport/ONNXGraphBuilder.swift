import Foundation
import VAEFormat
import VAEONNXProto

/// Accumulates one ONNX graph: nodes in execution order, initializers, inputs and outputs.
///
/// Node names are the names of their first output, so every name in the graph is unique as long as tensor names are.
struct ONNXGraphBuilder {
    /// ONNX's element types (onnx.proto `TensorProto.DataType`) that the exported graphs use.
    enum ElementType: Int32 {
        case float = 1
        case uint8 = 2
        case int64 = 7
        case float16 = 10
    }

    /// A dimension of a declared input or output: fixed, or named (the batch).
    enum Dimension: Equatable {
        case fixed(Int)
        case named(String)
    }

    private(set) var graph = Onnx_GraphProto()

    init(name: String) {
        graph.name = name
    }

    mutating func input(_ name: String, _ type: ElementType, _ shape: [Dimension]) {
        graph.input.append(Self.valueInfo(name, type, shape))
    }

    mutating func output(_ name: String, _ type: ElementType, _ shape: [Dimension]) {
        graph.output.append(Self.valueInfo(name, type, shape))
    }

    /// A float tensor stored as float32, or as float16 followed by a Cast to float32 (so the graph computes in
    /// float32 either way). Returns the name of the float32 tensor.
    mutating func weights(_ name: String, shape: [Int], values: [Float], storage: ElementType) -> String {
        precondition(shape.reduce(1, *) == values.count, "\(name): \(values.count) values for shape \(shape)")
        switch storage {
        case .float:
            initializer(name, .float, shape: shape, raw: Self.littleEndianBytes(values))
            return name
        case .float16:
            let stored = name + ".f16"
            initializer(stored, .float16, shape: shape, raw: Self.littleEndianHalfBytes(values))
            node("Cast", [stored], name, attributes: [.int("to", Int64(ElementType.float.rawValue))])
            return name
        case .uint8, .int64:
            preconditionFailure("weights are stored as float32 or float16")
        }
    }

    /// An int64 constant (a Reshape's target shape).
    mutating func int64s(_ name: String, _ values: [Int64]) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 8)
        for value in values { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        initializer(name, .int64, shape: [values.count], raw: bytes)
    }

    /// A scalar float constant.
    mutating func scalar(_ name: String, _ value: Float) {
        initializer(name, .float, shape: [], raw: Self.littleEndianBytes([value]))
    }

    /// Appends a node of the default (ai.onnx) domain named after its first output.
    mutating func node(_ opType: String, _ inputs: [String], _ output: String, attributes: [Attribute] = []) {
        var node = Onnx_NodeProto()
        node.opType = opType
        node.name = output
        node.input = inputs
        node.output = [output]
        node.attribute = attributes.map(\.proto)
        graph.node.append(node)
    }

    /// A node attribute of one of the kinds the exported graphs use.
    struct Attribute {
        let proto: Onnx_AttributeProto

        static func int(_ name: String, _ value: Int64) -> Attribute {
            var attribute = Onnx_AttributeProto()
            attribute.name = name
            attribute.type = .int
            attribute.i = value
            return Attribute(proto: attribute)
        }
    }

    private mutating func initializer(_ name: String, _ type: ElementType, shape: [Int], raw: [UInt8]) {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dataType = type.rawValue
        tensor.dims = shape.map(Int64.init)
        tensor.rawData = Data(raw)
        graph.initializer.append(tensor)
    }

    private static func valueInfo(_ name: String, _ type: ElementType, _ shape: [Dimension]) -> Onnx_ValueInfoProto {
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = type.rawValue
        tensorType.shape.dim = shape.map { dimension in
            var dim = Onnx_TensorShapeProto.Dimension()
            switch dimension {
            case .fixed(let size): dim.dimValue = Int64(size)
            case .named(let name): dim.dimParam = name
            }
            return dim
        }
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensorType
        return info
    }

    /// ONNX's raw_data is little-endian.
    private static func littleEndianBytes(_ values: [Float]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }

    private static func littleEndianHalfBytes(_ values: [Float]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 2)
        for value in values {
            withUnsafeBytes(of: HalfFloat.narrow(value).littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }
}
