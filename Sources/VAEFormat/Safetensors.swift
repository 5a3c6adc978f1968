import VAECore
import VAEJSON
import VAEModel

/// Conversion between `.vaez` and safetensors (u64 header length, JSON header, raw little-endian data).
///
/// Exports are float32 with the vaez metadata embedded in `__metadata__.vaez`, so a round trip keeps everything.
/// Imports accept our tensor names, pytorch/examples/vae's (fc1, fc21, fc22, fc3, fc4) and the seed project's
/// (fc1–fc3, fc41, fc42, fc5–fc8), so models trained with either PyTorch code can be served.
public enum Safetensors {
    public struct ConversionError: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    static let maximumHeaderLength = 100 << 20

    // MARK: Export

    /// A float32 safetensors file holding `file`'s tensors (dequantised) and its metadata.
    public static func serialize(_ file: VAEZFile) throws -> [UInt8] {
        var header = JSONWriter(capacity: 4096)
        header.raw("{\"__metadata__\":{\"format\":\"pt\",\"vaez\":")
        header.string(String(decoding: try VAEZWriter.encodeMetadata(file.metadata, created: file.metadata.created), as: UTF8.self))
        header.raw("}")
        var offset = 0
        for tensor in file.tensors {
            header.raw(",")
            header.string(tensor.name)
            header.raw(":{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],")
            header.raw("\"data_offsets\":[\(offset),\(offset + tensor.values.count * 4)]}")
            offset += tensor.values.count * 4
        }
        header.raw("}")
        var headerBytes = header.bytes
        // Pad with spaces so the data starts 8-byte aligned, as the reference library does.
        headerBytes += [UInt8](repeating: 0x20, count: (8 - headerBytes.count % 8) % 8)
        var out = [UInt8]()
        out.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out += headerBytes
        for tensor in file.tensors {
            tensor.values.withUnsafeBytes { out.append(contentsOf: $0) }  // little-endian host
        }
        return out
    }

    // MARK: Import

    /// Reads a safetensors file into `.vaez` metadata and contract-named tensors.
    ///
    /// Metadata comes from `metadataJSON` when given, else from an embedded `__metadata__.vaez`, else it is inferred
    /// from the shapes (input 28×28×1 when the input size is 784; the prior N(0, I) as latent statistics; the training
    /// record left null).
    public static func importModel(
        _ bytes: [UInt8], source: String, metadataJSON: [UInt8]? = nil
    ) throws -> (metadata: ModelMetadata, tensors: [NamedTensor]) {
        let (tensors, embedded) = try parse(bytes, source: source)
        let renamed = try rename(tensors, source: source)
        if let raw = metadataJSON ?? embedded {
            return (try ModelMetadata.parse(raw), renamed)
        }
        return (try inferMetadata(renamed, source: source), renamed)
    }

    /// The float32 tensors of a safetensors file in header order, and the embedded vaez metadata if any.
    static func parse(_ bytes: [UInt8], source: String) throws(ConversionError) -> ([NamedTensor], [UInt8]?) {
        guard bytes.count >= 8 else { throw ConversionError("\(source): not a safetensors file (shorter than 8 bytes)") }
        let length = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(min(bytes.count - 8, maximumHeaderLength)) else {
            throw ConversionError("\(source): not a safetensors file (header length \(length) does not fit)")
        }
        let base = 8 + Int(length)
        let header: JSONValue
        do {
            header = try JSONParser().parse(Array(bytes[8..<base]))
        } catch {
            throw ConversionError("\(source): safetensors header is not valid JSON: \(error)")
        }
        guard let members = header.members else { throw ConversionError("\(source): safetensors header is not an object") }
        var tensors: [NamedTensor] = []
        var metadata: [UInt8]?
        for member in members {
            if member.key == "__metadata__" {
                metadata = member.value["vaez"]?.stringValue.map { Array($0.utf8) }
                continue
            }
            tensors.append(try tensor(member.key, member.value, bytes: bytes, base: base, source: source))
        }
        return (tensors, metadata)
    }

    static func tensor(_ name: String, _ info: JSONValue, bytes: [UInt8], base: Int, source: String) throws(ConversionError) -> NamedTensor {
        let sizes = ["F32": 4, "F16": 2, "BF16": 2, "F64": 8]
        guard let dtype = info["dtype"]?.stringValue, let size = sizes[dtype] else {
            throw ConversionError("\(source): tensor \(name): unsupported dtype (F32, F16, BF16 and F64 are read)")
        }
        guard let shape = info["shape"]?.arrayValue?.map({ $0.integerValue ?? -1 }), shape.allSatisfy({ $0 >= 0 }), shape.count <= 8 else {
            throw ConversionError("\(source): tensor \(name): bad shape")
        }
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard let offsets = info["data_offsets"]?.arrayValue?.compactMap(\.integerValue), offsets.count == 2,
              offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= bytes.count - base,
              count < Int.max / 8, offsets[1] - offsets[0] == count * size else {
            throw ConversionError("\(source): tensor \(name): data_offsets do not match its shape \(shape)")
        }
        let start = base + offsets[0]
        var values = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                let at = start + i * size
                switch dtype {
                case "F32": values[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
                case "F16": values[i] = Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian))
                case "BF16": values[i] = Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian) << 16)
                default: values[i] = Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian))
                }
            }
        }
        return NamedTensor(name: name, shape: shape, values: values)
    }

    static let pytorchExamplesNames = ["fc1": "encoder.0", "fc21": "mu", "fc22": "logvar", "fc3": "decoder.0", "fc4": "decoder.1"]
    static let seedNames = [
        "fc1": "encoder.0", "fc2": "encoder.1", "fc3": "encoder.2", "fc41": "mu", "fc42": "logvar",
        "fc5": "decoder.0", "fc6": "decoder.1", "fc7": "decoder.2", "fc8": "decoder.3",
    ]

    /// Maps pytorch/examples or seed names to ours ("fc3" means different layers in the two, so detect the scheme).
    static func rename(_ tensors: [NamedTensor], source: String) throws(ConversionError) -> [NamedTensor] {
        let ours = ["encoder.", "mu.", "logvar.", "decoder."]
        if tensors.allSatisfy({ t in ours.contains { t.name.hasPrefix($0) } }) { return tensors }
        let layers = Set(tensors.map { layer(of: $0.name) })
        let mapping: [String: String]
        if !layers.isDisjoint(with: ["fc21", "fc22"]) {
            mapping = pytorchExamplesNames
        } else if !layers.isDisjoint(with: ["fc41", "fc42"]) {
            mapping = seedNames
        } else {
            throw ConversionError("\(source): unrecognised tensor names (first: \(tensors.first?.name ?? "none")); expected ours, pytorch/examples' or the seed project's")
        }
        return try tensors.map { (tensor) throws(ConversionError) in
            let layerName = layer(of: tensor.name), parameter = tensor.name.split(separator: ".").last.map(String.init) ?? ""
            guard let target = mapping[layerName], parameter == "weight" || parameter == "bias" else {
                throw ConversionError("\(source): tensor \(tensor.name) has no counterpart in the vaez shape contract")
            }
            return NamedTensor(name: "\(target).\(parameter)", shape: tensor.shape, values: tensor.values)
        }
    }

    static func layer(of name: String) -> String {
        guard let dot = name.lastIndex(of: ".") else { return name }
        return String(name[..<dot])
    }

    /// Metadata for weights that carry none: architecture from the shapes, everything unknowable null or neutral.
    static func inferMetadata(_ tensors: [NamedTensor], source: String) throws(ConversionError) -> ModelMetadata {
        let shapes = Dictionary(tensors.map { ($0.name, $0.shape) }, uniquingKeysWith: { a, _ in a })
        guard let mu = shapes["mu.weight"], mu.count == 2 else {
            throw ConversionError("\(source): cannot infer the architecture: no 2-D mu.weight tensor")
        }
        var hidden: [Int] = []
        while let weight = shapes["encoder.\(hidden.count).weight"], weight.count == 2 { hidden.append(weight[0]) }
        let inputSize = hidden.isEmpty ? mu[1] : shapes["encoder.0.weight"]![1]
        guard inputSize == 784 else {
            throw ConversionError("\(source): cannot infer the input shape for input size \(inputSize) (only 784 = 28×28×1); pass --metadata with architecture.input")
        }
        let architecture = Architecture(kind: shapes["logvar.weight"] == nil ? .ae : .vae,
                                        input: ImageShape(height: 28, width: 28), hidden: hidden, zDim: mu[0])
        return ModelMetadata(architecture: .init(architecture), latent: .prior(zDim: mu[0]),
                             producer: .init(name: "vae convert", version: "0.1.0"))
    }
}
