#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VAEGRPCProto
import VAEOpenInference

/// `ModelInfer`'s messages in the transport-neutral terms of VAEOpenInference (Formats/open-inference.md §5): a
/// request in, a response out. The checks against the model are the core's; here only what the protobuf form
/// itself can get wrong is refused (raw contents that do not pair with the inputs, dimensions out of range).
package enum InferMessages {
    /// The request as the core reads it.
    package static func request(_ message: Inference_ModelInferRequest) throws(InferenceError) -> InferenceRequest {
        let raw = message.rawInputContents
        if !raw.isEmpty && raw.count != message.inputs.count {
            throw InferenceError(.invalidRequest, "raw_input_contents has \(raw.count) entries for \(message.inputs.count) "
                                 + "inputs; give one per input, in the order of inputs.")
        }
        var inputs: [InputTensor] = []
        inputs.reserveCapacity(message.inputs.count)
        for (i, tensor) in message.inputs.enumerated() {
            var shape: [Int] = []
            shape.reserveCapacity(tensor.shape.count)
            for dimension in tensor.shape {
                // Negative dimensions and element counts past 2^31 are the core's to refuse, by the tensor's name.
                guard let size = Int(exactly: dimension) else {
                    throw InferenceError(.tooLarge, "Input '\(tensor.name)' has dimension \(dimension) in its shape.")
                }
                shape.append(size)
            }
            let values: TensorValues
            if raw.isEmpty {
                values = typedValues(tensor)
            } else {
                guard !tensor.hasContents else {
                    throw InferenceError(.invalidRequest, "Input '\(tensor.name)' has contents while the request uses "
                                         + "raw_input_contents; give every input one way.")
                }
                values = .raw([UInt8](raw[i]))
            }
            inputs.append(InputTensor(name: tensor.name, datatype: tensor.datatype, shape: shape, values: values))
        }
        var parameters: [String: InferenceParameter] = [:]
        for (name, parameter) in message.parameters {
            if let value = InferenceParameter(parameter) { parameters[name] = value }
        }
        let outputs = message.outputs.isEmpty ? nil : message.outputs.map { RequestedOutput(name: $0.name) }
        return InferenceRequest(id: message.id.isEmpty ? nil : message.id, parameters: parameters, inputs: inputs,
                                outputs: outputs)
    }

    /// The typed `contents` field of the tensor's datatype. A datatype with no such field (FP16, BF16, BYTES, an
    /// unknown one) gives no values: the core refuses the datatype by name, or the count by the shape.
    private static func typedValues(_ tensor: Inference_ModelInferRequest.InferInputTensor) -> TensorValues {
        let contents = tensor.contents
        switch TensorDatatype(rawValue: tensor.datatype) {
        case .uint8, .uint16, .uint32: return .unsigned(contents.uintContents.map { UInt64($0) })
        case .uint64: return .unsigned(contents.uint64Contents)
        case .int8, .int16, .int32: return .signed(contents.intContents.map { Int64($0) })
        case .int64: return .signed(contents.int64Contents)
        case .fp32: return .floats(contents.fp32Contents)
        case .fp64: return .doubles(contents.fp64Contents)
        case .bool: return .bools(contents.boolContents)
        case .fp16, .bf16, .bytes, nil: return .raw([])
        }
    }

    /// The response, every output's elements in `raw_output_contents` (one entry per output, in order): what
    /// tritonclient and perf_analyzer read, and the cheapest form to write.
    static func response(_ response: InferenceResponse) -> Inference_ModelInferResponse {
        var message = Inference_ModelInferResponse()
        message.modelName = response.modelName
        message.modelVersion = response.modelVersion
        if let id = response.id { message.id = id }
        for (name, value) in response.parameters { message.parameters[name] = Inference_InferParameter(value) }
        message.outputs.reserveCapacity(response.outputs.count)
        message.rawOutputContents.reserveCapacity(response.outputs.count)
        for output in response.outputs {
            var tensor = Inference_ModelInferResponse.InferOutputTensor()
            tensor.name = output.name
            tensor.datatype = output.datatype.rawValue
            tensor.shape = output.shape.map { Int64($0) }
            message.outputs.append(tensor)
            switch output.values {
            case .floats(let values):
                message.rawOutputContents.append(values.withUnsafeBytes { Data($0) })  // x86-64 and arm64 are little-endian
            case .bytes(let values):
                message.rawOutputContents.append(Data(values))
            }
        }
        return message
    }
}

extension InferenceParameter {
    /// An `InferParameter`'s value; nil when none of the oneof is set.
    init?(_ parameter: Inference_InferParameter) {
        switch parameter.parameterChoice {
        case .boolParam(let value): self = .bool(value)
        case .int64Param(let value): self = .int(value)
        case .uint64Param(let value): self = .uint(value)
        case .doubleParam(let value): self = .double(value)
        case .stringParam(let value): self = .string(value)
        case nil: return nil
        }
    }
}

extension Inference_InferParameter {
    init(_ value: InferenceParameter) {
        self.init()
        switch value {
        case .bool(let flag): boolParam = flag
        case .int(let n): int64Param = n
        case .uint(let n): uint64Param = n
        case .double(let x): doubleParam = x
        case .string(let text): stringParam = text
        }
    }
}
