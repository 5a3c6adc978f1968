/// A V2 inference request in transport-neutral terms: what the REST (JSON and binary) and gRPC decoders produce.
package struct InferenceRequest: Sendable {
    /// Echoed in the response.
    package var id: String?
    package var parameters: [String: InferenceParameter]
    package var inputs: [InputTensor]
    /// The outputs asked for, in order; nil asks for every output of the model.
    package var outputs: [RequestedOutput]?

    package init(id: String? = nil, parameters: [String: InferenceParameter] = [:], inputs: [InputTensor],
                outputs: [RequestedOutput]? = nil) {
        self.id = id
        self.parameters = parameters
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// A request or tensor parameter's value.
package enum InferenceParameter: Sendable, Equatable {
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
}

/// An output the client asked for; `binary` is REST's binary tensor data extension (gRPC always answers raw).
package struct RequestedOutput: Sendable {
    package var name: String
    package var binary: Bool

    package init(name: String, binary: Bool = false) {
        self.name = name
        self.binary = binary
    }
}

/// One input tensor as it arrived: the datatype as named (checked against the model later, so the refusal can
/// say what the model takes), its shape, and its elements.
package struct InputTensor: Sendable {
    package var name: String
    package var datatype: String
    package var shape: [Int]
    package var values: TensorValues

    package init(name: String, datatype: String, shape: [Int], values: TensorValues) {
        self.name = name
        self.datatype = datatype
        self.shape = shape
        self.values = values
    }
}

/// A tensor's elements: raw little-endian bytes (binary extension, gRPC raw contents) or typed values (JSON data,
/// gRPC typed contents), kept exact (a 64-bit seed is not squeezed through a Double).
package enum TensorValues: Sendable {
    case raw([UInt8])
    case floats([Float])
    case doubles([Double])
    case signed([Int64])
    case unsigned([UInt64])
    case bools([Bool])

    /// Elements held (raw: bytes over the element size).
    package func count(elementSize: Int) -> Int {
        switch self {
        case .raw(let bytes): bytes.count / max(elementSize, 1)
        case .floats(let values): values.count
        case .doubles(let values): values.count
        case .signed(let values): values.count
        case .unsigned(let values): values.count
        case .bools(let values): values.count
        }
    }
}
