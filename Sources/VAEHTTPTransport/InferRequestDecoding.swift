import VAEJSON
import VAEOpenInference

/// Reads a V2 REST infer body: a JSON inference request, optionally followed by binary tensor data (Triton's binary
/// tensor data extension: the `Inference-Header-Content-Length` header gives the JSON's length, and each input
/// with `parameters.binary_data_size` takes that many bytes of what follows, in input order).
package enum InferRequestDecoding {
    /// Deepest JSON accepted: a request nests at most a few levels, plus the rank of nested `data` arrays.
    static let maximumDepth = 16

    /// The request in `body`.
    /// - Parameters:
    ///   - headerLength: The JSON's length when binary tensor data follows it.
    ///   - numbersFirst: Whether tensor data is read straight into numbers (false only for tests, which compare
    ///     the two ways of reading).
    package static func request(body: UnsafeRawBufferPointer, headerLength: Int?, numbersFirst: Bool = true)
        throws(InferenceError) -> InferenceRequest
    {
        let jsonLength = headerLength ?? body.count
        guard jsonLength >= 0, jsonLength <= body.count else {
            throw InferenceError(.invalidRequest, "Inference-Header-Content-Length is \(jsonLength) but the body has "
                                 + "\(body.count) bytes.")
        }
        let text = UnsafeBufferPointer(rebasing: body.bindMemory(to: UInt8.self)[0..<jsonLength])
        let binary = UnsafeRawBufferPointer(rebasing: body[jsonLength...])
        // Tensor data is read straight into numbers; only a body that this refuses, or whose numbers do not fit
        // their datatype, is read again as JSON values, so that the refusal is worded as before.
        if numbersFirst, let read = try? readWithTensorData(text),
           let request = try request(read.json, data: read.data, binary: binary)
        {
            return request
        }
        let json: JSONValue
        do {
            json = try JSONParser(maximumDepth: maximumDepth).parse(text)
        } catch {
            throw InferenceError(.parseError, "The request body is not valid JSON: \(error).")
        }
        guard let request = try request(json, data: [], binary: binary) else {
            preconditionFailure("a request without data read as numbers has no numbers to refuse")
        }
        return request
    }

    /// The body's JSON, except that each input's `data` that holds only numbers (nested or not) is read straight
    /// into numbers, without a `JSONValue` per element: `data[i]` holds inputs[i]'s (nil when its data is left in
    /// the JSON), and an empty array stands in its place in the JSON.
    static func readWithTensorData(_ text: UnsafeBufferPointer<UInt8>) throws(JSONParseError)
        -> (json: JSONValue, data: [JSONNumbers?])
    {
        var reader = JSONReader(text, maximumDepth: maximumDepth)
        guard reader.atObject else {
            let json = try reader.readValue()
            try reader.readEnd()
            return (json, [])
        }
        var members: [JSONMember] = []
        var data: [JSONNumbers?] = []
        try reader.readObject { (key, reader) throws(JSONParseError) in
            guard key.utf8.elementsEqual("inputs".utf8), reader.atArray else {
                members.append(JSONMember(key: key, value: try reader.readValue()))
                return
            }
            var inputs: [JSONValue] = []
            try reader.readArray { (reader) throws(JSONParseError) in
                let (input, numbers) = try readInput(&reader)
                inputs.append(input)
                data.append(numbers)
            }
            members.append(JSONMember(key: key, value: .array(inputs)))
        }
        try reader.readEnd()
        return (.object(members), data)
    }

    /// One element of `inputs`, and its `data` as numbers when it holds only numbers.
    private static func readInput(_ reader: inout JSONReader) throws(JSONParseError) -> (JSONValue, JSONNumbers?) {
        guard reader.atObject else { return (try reader.readValue(), nil) }
        var members: [JSONMember] = []
        var numbers: JSONNumbers?
        try reader.readObject { (key, reader) throws(JSONParseError) in
            if key.utf8.elementsEqual("data".utf8), let read = try reader.readNumbers() {
                numbers = read
                members.append(JSONMember(key: key, value: .array([])))
            } else {
                members.append(JSONMember(key: key, value: try reader.readValue()))
            }
        }
        return (.object(members), numbers)
    }

    /// The request that `json` holds, `data[i]` (where there is one) being the numbers of inputs[i]'s data; nil
    /// when some of those numbers do not fit their datatype, so that the data must be read as JSON values to say
    /// which and why (never when `data` is empty).
    private static func request(_ json: JSONValue, data: [JSONNumbers?], binary: UnsafeRawBufferPointer)
        throws(InferenceError) -> InferenceRequest?
    {
        guard json.members != nil else { throw InferenceError(.invalidRequest, "The request body must be a JSON object.") }
        var binary = binary
        var request = InferenceRequest(inputs: [])
        switch json["id"] {
        case nil, .null?: break
        case .string(let id)?: request.id = id
        default: throw InferenceError(.invalidRequest, "'id' must be a string.")
        }
        request.parameters = try parameters(json["parameters"], "parameters")
        guard let inputs = json["inputs"]?.arrayValue else {
            throw InferenceError(.invalidRequest, "The request needs 'inputs', an array of tensors.")
        }
        for (index, input) in inputs.enumerated() {
            let numbers = index < data.count ? data[index] : nil
            guard let tensor = try tensor(input, index: index, numbers: numbers, binary: &binary) else { return nil }
            request.inputs.append(tensor)
        }
        guard binary.isEmpty else {
            throw InferenceError(.invalidRequest, "\(binary.count) bytes of binary data follow the inputs that no "
                                 + "input's binary_data_size accounts for.")
        }
        if let outputs = json["outputs"] {
            guard let list = outputs.arrayValue else { throw InferenceError(.invalidRequest, "'outputs' must be an array.") }
            let binaryByDefault = request.parameters["binary_data_output"] == .bool(true)
            request.outputs = try list.enumerated().map { (index, output) throws(InferenceError) in
                guard let name = output["name"]?.stringValue else {
                    throw InferenceError(.invalidRequest, "outputs[\(index)] needs a 'name'.")
                }
                let parameters = try parameters(output["parameters"], "outputs[\(index)].parameters")
                var binary = binaryByDefault
                switch parameters["binary_data"] {
                case nil: break
                case .bool(let value)?: binary = value
                default: throw InferenceError(.invalidRequest, "outputs[\(index)].parameters.binary_data must be a boolean.")
                }
                return RequestedOutput(name: name, binary: binary)
            }
        }
        return request
    }

    /// inputs[`index`], its data being `numbers` when they are given; nil when they do not fit the datatype.
    private static func tensor(_ input: JSONValue, index: Int, numbers: JSONNumbers?,
                               binary: inout UnsafeRawBufferPointer) throws(InferenceError) -> InputTensor?
    {
        let at = "inputs[\(index)]"
        guard input.members != nil, let name = input["name"]?.stringValue else {
            throw InferenceError(.invalidRequest, "\(at) must be an object with a 'name'.")
        }
        guard let datatypeName = input["datatype"]?.stringValue else {
            throw InferenceError(.invalidRequest, "Input '\(name)' needs a 'datatype' (such as UINT8 or FP32).")
        }
        guard let shapeValues = input["shape"]?.arrayValue else {
            throw InferenceError(.invalidRequest, "Input '\(name)' needs a 'shape', an array of sizes.")
        }
        var shape: [Int] = []
        for value in shapeValues {
            guard let size = value.number?.intValue, size >= 0, size <= 1 << 31 else {
                throw InferenceError(.invalidRequest, "Input '\(name)' has a shape entry that is not a size: \(value.jsonText).")
            }
            shape.append(size)
        }
        let parameters = try parameters(input["parameters"], "input '\(name)' parameters")
        guard let datatype = TensorDatatype(rawValue: datatypeName) else {
            throw InferenceError(.invalidParams, "Input '\(name)' has datatype '\(datatypeName)', which is not a V2 datatype.")
        }
        if let size = parameters["binary_data_size"] {
            let byteCount: Int
            switch size {
            case .int(let n) where n >= 0: byteCount = Int(n)
            case .uint(let n) where n <= UInt64(Int.max): byteCount = Int(n)
            default: throw InferenceError(.invalidRequest, "Input '\(name)': binary_data_size must be a byte count.")
            }
            guard byteCount <= binary.count else {
                throw InferenceError(.invalidRequest, "Input '\(name)' has binary_data_size \(byteCount) but only "
                                     + "\(binary.count) bytes of binary data are left.")
            }
            guard input["data"] == nil else {
                throw InferenceError(.invalidRequest, "Input '\(name)' has both 'data' and binary_data_size; give one.")
            }
            let values = TensorValues.raw(Array(binary[..<byteCount]))
            binary = UnsafeRawBufferPointer(rebasing: binary[byteCount...])
            return InputTensor(name: name, datatype: datatypeName, shape: shape, values: values)
        }
        guard let data = input["data"] else {
            throw InferenceError(.invalidRequest, "Input '\(name)' has neither 'data' nor a binary_data_size parameter.")
        }
        let values: TensorValues
        if let numbers {
            guard let converted = Self.values(numbers, datatype) else { return nil }
            values = converted
        } else if case .array(let elements) = data, !elements.contains(where: { $0.arrayValue != nil }) {
            values = try Self.values(elements, datatype, name)  // already flat: no copy
        } else {
            var flat: [JSONValue] = []
            flatten(data, into: &flat)
            values = try Self.values(flat, datatype, name)
        }
        return InputTensor(name: name, datatype: datatypeName, shape: shape, values: values)
    }

    /// `data` may be flat or nested in the tensor's shape (row-major either way).
    private static func flatten(_ value: JSONValue, into flat: inout [JSONValue]) {
        if let items = value.arrayValue {
            for item in items { flatten(item, into: &flat) }
        } else {
            flat.append(value)
        }
    }

    private static func values(_ flat: [JSONValue], _ datatype: TensorDatatype, _ name: String) throws(InferenceError)
        -> TensorValues
    {
        func bad(_ index: Int, _ what: String) -> InferenceError {
            InferenceError(.invalidValue, "Input '\(name)' (\(datatype.rawValue)) has \(flat[index].jsonText) at element "
                           + "\(index); \(what).")
        }
        switch datatype {
        case .bool:
            var values: [Bool] = []
            values.reserveCapacity(flat.count)
            for (i, item) in flat.enumerated() {
                guard let value = item.boolValue else { throw bad(i, "elements are true or false") }
                values.append(value)
            }
            return .bools(values)
        case .uint8, .uint16, .uint32, .uint64:
            var values: [UInt64] = []
            values.reserveCapacity(flat.count)
            for (i, item) in flat.enumerated() {
                guard let value = item.number?.uint64 else { throw bad(i, "elements are unsigned integers") }
                values.append(value)
            }
            return .unsigned(values)
        case .int8, .int16, .int32, .int64:
            var values: [Int64] = []
            values.reserveCapacity(flat.count)
            for (i, item) in flat.enumerated() {
                guard let value = item.number?.int64 else { throw bad(i, "elements are integers") }
                values.append(value)
            }
            return .signed(values)
        case .fp32:
            var values: [Float] = []
            values.reserveCapacity(flat.count)
            for (i, item) in flat.enumerated() {
                guard let value = item.number?.double else { throw bad(i, "elements are numbers") }
                values.append(Float(value))
            }
            return .floats(values)
        case .fp16, .bf16, .fp64:
            var values: [Double] = []
            values.reserveCapacity(flat.count)
            for (i, item) in flat.enumerated() {
                guard let value = item.number?.double else { throw bad(i, "elements are numbers") }
                values.append(value)
            }
            return .doubles(values)
        case .bytes:
            throw InferenceError(.invalidParams, "Input '\(name)' is BYTES; no model here takes BYTES tensors.")
        }
    }

    /// Numbers as the tensor's datatype holds them, the same values as `values(_:_:_:)` gives for the same JSON;
    /// nil when one does not fit (or for BOOL and BYTES), for that function to say which and why.
    private static func values(_ numbers: JSONNumbers, _ datatype: TensorDatatype) -> TensorValues? {
        // Below 2^53 in magnitude, an integer literal's Double is exactly its value (JSONNumber.int64, uint64).
        let exact = 9.007_199_254_740_992e15
        switch datatype {
        case .uint8, .uint16, .uint32, .uint64:
            guard numbers.areIntegerLiterals else { return nil }
            var values: [UInt64] = []
            values.reserveCapacity(numbers.values.count)
            for value in numbers.values {
                guard value >= 0, value < exact else { return nil }  // -0 is 0, as UInt64("-0") reads it
                values.append(UInt64(value))
            }
            return .unsigned(values)
        case .int8, .int16, .int32, .int64:
            guard numbers.areIntegerLiterals else { return nil }
            var values: [Int64] = []
            values.reserveCapacity(numbers.values.count)
            for value in numbers.values {
                guard abs(value) < exact else { return nil }
                values.append(Int64(value))
            }
            return .signed(values)
        case .fp32: return .floats(numbers.values.map { Float($0) })
        case .fp16, .bf16, .fp64: return .doubles(numbers.values)
        case .bool, .bytes: return nil
        }
    }

    /// A `parameters` object as name → value.
    static func parameters(_ value: JSONValue?, _ what: String) throws(InferenceError) -> [String: InferenceParameter] {
        guard let value, !value.isNull else { return [:] }
        guard let members = value.members else { throw InferenceError(.invalidRequest, "'\(what)' must be an object.") }
        var parameters: [String: InferenceParameter] = [:]
        for member in members {
            switch member.value {
            case .bool(let flag): parameters[member.key] = .bool(flag)
            case .string(let text): parameters[member.key] = .string(text)
            case .number(let number):
                if let signed = number.int64 {
                    parameters[member.key] = .int(signed)
                } else if let unsigned = number.uint64 {
                    parameters[member.key] = .uint(unsigned)
                } else {
                    parameters[member.key] = .double(number.double)
                }
            default:
                throw InferenceError(.invalidRequest, "'\(what).\(member.key)' must be a boolean, number or string.")
            }
        }
        return parameters
    }
}
