import VAEImage
import VAEServing

/// A V2 request checked against its model and turned into an engine request, with what its answer needs.
package struct PreparedInference: Sendable {
    package let model: InferenceModel
    package let request: ServingRequest
    /// The outputs to answer with, in order (every output of the model when the request named none).
    package let outputs: [RequestedOutput]
    package let id: String?
    /// sample, and encode with `sample`: the seed used (given or drawn), answered as a response parameter.
    package let seed: UInt64?
}

/// The names `sample` takes, as input tensors of shape [1] or as request parameters.
enum SampleInputs {
    static let names = ["count", "seed", "start", "temperature"]
}

extension InferenceModel {
    /// Checks `request` against this model's tensors (names, datatypes, shapes, sizes, values) and builds the
    /// engine's request. Every refusal names the tensor or parameter at fault.
    package func prepare(_ request: InferenceRequest) throws(InferenceError) -> PreparedInference {
        let inputs = try checkedInputs(request.inputs)
        let outputs = try requestedOutputs(request.outputs, binaryByDefault: request.parameters["binary_data_output"] == .bool(true))
        let wantsFloats = isTable || outputs.contains { $0.name == "images_fp32" }
        let pixels: PixelStorage = wantsFloats ? .floats : .bytes
        let parameters = request.parameters
        switch method {
        case .encode:
            let (images, count) = try isTable ? tableRows(inputs["rows"]!) : imageRows(inputs["images"]!)
            let sample = try Self.bool(parameters["sample"], "sample") ?? false
            let seed = sample ? try Self.unsigned(parameters["seed"], "seed") ?? UInt64.random(in: 0...UInt64.max) : nil
            let encode = EncodeRequest(model: served, images: images, count: count, sample: sample, seed: seed ?? 0)
            return PreparedInference(model: self, request: .encode(encode), outputs: outputs, id: request.id, seed: seed)
        case .denoise:
            let (images, count) = try isTable ? tableRows(inputs["rows"]!) : imageRows(inputs["images"]!)
            let denoise = DenoiseRequest(model: served, images: images, count: count, pixels: pixels)
            return PreparedInference(model: self, request: .denoise(denoise), outputs: outputs, id: request.id, seed: nil)
        case .decode:
            let (codes, count) = try codeRows(inputs["z"]!)
            let decode = DecodeRequest(model: served, codes: codes, count: count, pixels: pixels)
            return PreparedInference(model: self, request: .decode(decode), outputs: outputs, id: request.id, seed: nil)
        case .sample:
            let values = try sampleValues(inputs, parameters)
            let count = try values.integer("count") ?? 1
            guard count >= 1 else { throw InferenceError(.invalidValue, "count must be at least 1 (got \(count)).") }
            guard count <= maxBatchSize else {
                throw InferenceError(.tooLarge, "count is \(count); this server takes at most \(maxBatchSize) images a request.")
            }
            let start = try values.integer("start") ?? 0
            guard start >= 0, start <= Int(Int32.max) else {
                throw InferenceError(.invalidValue, "start must be between 0 and \(Int32.max) (got \(start)).")
            }
            let temperature = try values.real("temperature") ?? 1
            // The engine samples in Float: a tiny positive Double such as 1e-300 rounds to 0 there.
            guard temperature.isFinite, Float(temperature) > 0, temperature <= 1000 else {
                throw InferenceError(.invalidValue, "temperature must be above 0 (at least about 1.4e-45, a 32-bit "
                                     + "float's smallest) and at most 1000 (got \(temperature)).")
            }
            let seed = try values.seed() ?? UInt64.random(in: 0...UInt64.max)
            let sample = SampleRequest(model: served, count: count, temperature: Float(temperature), seed: seed,
                                       start: start, pixels: pixels)
            return PreparedInference(model: self, request: .sample(sample), outputs: outputs, id: request.id, seed: seed)
        }
    }

    /// The inputs by name, each known, given once, of an accepted datatype; every required one present.
    private func checkedInputs(_ given: [InputTensor]) throws(InferenceError) -> [String: (InputTensor, TensorDatatype)] {
        var inputs: [String: (InputTensor, TensorDatatype)] = [:]
        let specs = self.inputs
        for tensor in given {
            guard let spec = specs.first(where: { $0.name == tensor.name }) else {
                throw InferenceError(.invalidParams, "Model '\(name)' has no input '\(tensor.name)'; its inputs are "
                                     + "\(specs.map(\.name).joined(separator: ", ")).")
            }
            guard inputs[tensor.name] == nil else {
                throw InferenceError(.invalidParams, "Input '\(tensor.name)' is given twice.")
            }
            guard let datatype = TensorDatatype(rawValue: tensor.datatype), spec.accepts(datatype) else {
                let taken = ([spec.datatype] + spec.alsoAccepted).map(\.rawValue).joined(separator: " or ")
                throw InferenceError(.invalidParams, "Input '\(tensor.name)' of model '\(name)' takes \(taken) "
                                     + "(got \(tensor.datatype.isEmpty ? "no datatype" : tensor.datatype)).")
            }
            try Self.checkElementCount(tensor, datatype)
            inputs[tensor.name] = (tensor, datatype)
        }
        for spec in specs where !spec.optional && inputs[spec.name] == nil {
            throw InferenceError(.invalidParams, "Model '\(name)' needs input '\(spec.name)' (\(spec.datatype.rawValue) "
                                 + "\(Self.shapeText(spec.shape))).")
        }
        return inputs
    }

    /// The shape's element count must be what the data holds (for raw data: the byte count exactly).
    private static func checkElementCount(_ tensor: InputTensor, _ datatype: TensorDatatype) throws(InferenceError) {
        guard tensor.shape.allSatisfy({ $0 >= 0 }) else {
            throw InferenceError(.shapeMismatch, "Input '\(tensor.name)' has a negative dimension in its shape "
                                 + "\(shapeText(tensor.shape)).")
        }
        var elements = 1
        for dimension in tensor.shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= 1 << 31 else {
                throw InferenceError(.tooLarge, "Input '\(tensor.name)' has too many elements (shape \(shapeText(tensor.shape))).")
            }
            elements = product
        }
        let size = datatype.elementSize ?? 1
        if case .raw(let bytes) = tensor.values {
            guard bytes.count == elements * size else {
                throw InferenceError(.invalidRequest, "Input '\(tensor.name)' has \(bytes.count) bytes of data; shape "
                                     + "\(shapeText(tensor.shape)) of \(datatype.rawValue) needs \(elements * size).")
            }
        } else if tensor.values.count(elementSize: size) != elements {
            throw InferenceError(.shapeMismatch, "Input '\(tensor.name)' has \(tensor.values.count(elementSize: size)) "
                                 + "values; its shape \(shapeText(tensor.shape)) needs \(elements).")
        }
    }

    /// [n, H, W] (grey) or [n, H, W, C] images, UINT8 or FP32 in [0, 1], as n rows of floats in [0, 1].
    private func imageRows(_ input: (InputTensor, TensorDatatype)) throws(InferenceError) -> ([Float], Int) {
        let (tensor, datatype) = input
        let count = try batchCount(tensor, trailing: imageShape)
        let pixels = count * served.pixelCount
        switch (datatype, tensor.values) {
        case (.uint8, .raw(let bytes)):
            return (Self.unitValues(bytes), count)
        case (.uint8, .unsigned(let values)):
            guard let bad = values.firstIndex(where: { $0 > 255 }) else { return (Self.unitValues(values.map { UInt8($0) }), count) }
            throw InferenceError(.invalidValue, "UINT8 input 'images' has \(values[bad]) at element \(bad); pixels are 0...255.")
        case (.fp32, _):
            let values = try Self.floats(tensor, pixels)
            if let bad = values.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
                throw InferenceError(.invalidValue, "FP32 input 'images' has \(values[bad]) at element \(bad); "
                                     + "pixels are floats in [0, 1].")
            }
            return (values, count)
        default:
            throw InferenceError(.invalidRequest, "Input 'images' holds values of another type than its datatype \(datatype.rawValue).")
        }
    }

    /// [n, D] FP32 table rows: any finite numbers.
    private func tableRows(_ input: (InputTensor, TensorDatatype)) throws(InferenceError) -> ([Float], Int) {
        let (tensor, _) = input
        let features = served.pixelCount
        let count = try batchCount(tensor, trailing: [features])
        let values = try Self.floats(tensor, count * features)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw InferenceError(.invalidValue, "Input 'rows' has \(values[bad]) at row \(bad / features), column "
                                 + "\(bad % features); rows are finite numbers.")
        }
        return (values, count)
    }

    /// [n, z] FP32 codes.
    private func codeRows(_ input: (InputTensor, TensorDatatype)) throws(InferenceError) -> ([Float], Int) {
        let (tensor, _) = input
        let count = try batchCount(tensor, trailing: [served.zDim])
        let values = try Self.floats(tensor, count * served.zDim)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw InferenceError(.invalidValue, "Input 'z' has \(values[bad]) at element \(bad); codes are finite.")
        }
        return (values, count)
    }

    /// The batch size of a [n, trailing…] tensor, checked against the model's shape and `max_batch_size`.
    private func batchCount(_ tensor: InputTensor, trailing: [Int]) throws(InferenceError) -> Int {
        guard tensor.shape.count == trailing.count + 1, Array(tensor.shape.dropFirst()) == trailing else {
            throw InferenceError(.shapeMismatch, "Input '\(tensor.name)' of model '\(name)' has shape "
                                 + "\(Self.shapeText(tensor.shape)); it takes \(Self.shapeText([-1] + trailing)).")
        }
        let count = tensor.shape[0]
        guard count >= 1 else { throw InferenceError(.invalidValue, "Input '\(tensor.name)' holds no rows (shape \(Self.shapeText(tensor.shape))).") }
        guard count <= maxBatchSize else {
            throw InferenceError(.tooLarge, "Input '\(tensor.name)' has \(count) rows; max_batch_size is \(maxBatchSize).")
        }
        return count
    }

    private static func floats(_ tensor: InputTensor, _ count: Int) throws(InferenceError) -> [Float] {
        switch tensor.values {
        case .floats(let values): return values
        case .doubles(let values): return values.map { Float($0) }
        case .raw(let bytes):
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                bytes.withUnsafeBytes { raw in
                    for i in 0..<count {
                        buffer[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                    }
                }
                initialized = count
            }
        default:
            throw InferenceError(.invalidRequest, "Input '\(tensor.name)' holds values of another type than FP32.")
        }
    }

    private static func unitValues(_ bytes: [UInt8]) -> [Float] {
        [Float](unsafeUninitializedCapacity: bytes.count) { buffer, initialized in
            bytes.withUnsafeBufferPointer { source in
                if let from = source.baseAddress, let to = buffer.baseAddress { PixelValues.bytesToUnit(from, to, count: source.count) }
            }
            initialized = bytes.count
        }
    }

    /// The outputs to answer: every output when none is named; each named one known and named once.
    private func requestedOutputs(_ requested: [RequestedOutput]?, binaryByDefault: Bool) throws(InferenceError)
        -> [RequestedOutput]
    {
        let specs = outputs
        guard let requested, !requested.isEmpty else { return specs.map { RequestedOutput(name: $0.name, binary: binaryByDefault) } }
        var seen = Set<String>()
        for output in requested {
            guard specs.contains(where: { $0.name == output.name }) else {
                throw InferenceError(.invalidParams, "Model '\(name)' has no output '\(output.name)'; its outputs are "
                                     + "\(specs.map(\.name).joined(separator: ", ")).")
            }
            guard seen.insert(output.name).inserted else { throw InferenceError(.invalidParams, "Output '\(output.name)' is named twice.") }
        }
        return requested
    }

    static func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

    private static func bool(_ parameter: InferenceParameter?, _ name: String) throws(InferenceError) -> Bool? {
        guard let parameter else { return nil }
        guard case .bool(let value) = parameter else { throw InferenceError(.invalidParams, "Parameter '\(name)' must be a boolean.") }
        return value
    }

    private static func unsigned(_ parameter: InferenceParameter?, _ name: String) throws(InferenceError) -> UInt64? {
        switch parameter {
        case nil: return nil
        case .uint(let value): return value
        case .int(let value) where value >= 0: return UInt64(value)
        default: throw InferenceError(.invalidParams, "Parameter '\(name)' must be an integer from 0 to 2^64 - 1.")
        }
    }

    /// sample's values, each from its input tensor or its parameter (not both).
    private func sampleValues(_ inputs: [String: (InputTensor, TensorDatatype)], _ parameters: [String: InferenceParameter])
        throws(InferenceError) -> SampleValues
    {
        var values = SampleValues()
        for name in SampleInputs.names {
            if let (tensor, datatype) = inputs[name] {
                guard parameters[name] == nil else {
                    throw InferenceError(.invalidParams, "'\(name)' is given both as an input and as a parameter; give one.")
                }
                guard tensor.shape == [1] || tensor.shape == [1, 1] else {
                    throw InferenceError(.shapeMismatch, "Input '\(name)' has shape \(Self.shapeText(tensor.shape)); it takes [1].")
                }
                values.given[name] = try Self.scalar(tensor, datatype)
            } else if let parameter = parameters[name] {
                values.given[name] = parameter
            }
        }
        return values
    }

    /// A one-element tensor's value as a parameter value.
    private static func scalar(_ tensor: InputTensor, _ datatype: TensorDatatype) throws(InferenceError) -> InferenceParameter {
        switch tensor.values {
        case .signed(let values): return .int(values[0])
        case .unsigned(let values): return .uint(values[0])
        case .floats(let values): return .double(Double(values[0]))
        case .doubles(let values): return .double(values[0])
        case .bools: throw InferenceError(.invalidParams, "Input '\(tensor.name)' cannot be BOOL.")
        case .raw(let bytes):
            return bytes.withUnsafeBytes { raw -> InferenceParameter in
                switch datatype {
                case .int32: .int(Int64(Int32(littleEndian: raw.loadUnaligned(as: Int32.self))))
                case .int64: .int(Int64(littleEndian: raw.loadUnaligned(as: Int64.self)))
                case .uint32: .uint(UInt64(UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self))))
                case .uint64: .uint(UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)))
                case .fp32: .double(Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)))))
                default: .double(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))))
                }
            }
        }
    }
}

/// sample's count, seed, start and temperature as given, read with checks.
private struct SampleValues {
    var given: [String: InferenceParameter] = [:]

    func integer(_ name: String) throws(InferenceError) -> Int? {
        switch given[name] {
        case nil: return nil
        case .int(let value) where value >= Int64(Int32.min) && value <= Int64(Int32.max): return Int(value)
        case .uint(let value) where value <= UInt64(Int32.max): return Int(value)
        case .double(let value) where value == value.rounded() && abs(value) <= Double(Int32.max): return Int(value)
        default: throw InferenceError(.invalidParams, "'\(name)' must be an integer (at most \(Int32.max)), not \(Self.describe(given[name]!)).")
        }
    }

    static func describe(_ value: InferenceParameter) -> String {
        switch value {
        case .bool: "a boolean"
        case .string: "a string"
        case .int(let n): "\(n)"
        case .uint(let n): "\(n)"
        case .double(let x): "\(x)"
        }
    }

    func real(_ name: String) throws(InferenceError) -> Double? {
        switch given[name] {
        case nil: return nil
        case .double(let value): return value
        case .int(let value): return Double(value)
        case .uint(let value): return Double(value)
        default: throw InferenceError(.invalidParams, "'\(name)' must be a number.")
        }
    }

    func seed() throws(InferenceError) -> UInt64? {
        switch given["seed"] {
        case nil: return nil
        case .uint(let value): return value
        case .int(let value) where value >= 0: return UInt64(value)
        case .double(let value) where value >= 0 && value == value.rounded() && value < 9_007_199_254_740_992: return UInt64(value)
        default: throw InferenceError(.invalidParams, "'seed' must be an integer from 0 to 2^64 - 1.")
        }
    }
}
