import VAEGRPCProto
import VAEOpenInference
import VAEServing
import VAETritonConfigProto

/// What `ServerMetadata`, `ModelMetadata` and `ModelConfig` answer: the same contents as the REST bodies of
/// VAEHTTPTransport's V2JSON (Formats/open-inference.md §3), as Triton's messages.
enum ModelDescriptions {
    /// The V2 extensions this server implements, as `GET /v2` lists them.
    static let extensions = ["binary_tensor_data", "model_configuration"]

    static func serverMetadata(version: String) -> Inference_ServerMetadataResponse {
        var message = Inference_ServerMetadataResponse()
        message.name = "vaed"
        message.version = version
        message.extensions = extensions
        return message
    }

    /// Name, versions, platform and the tensors with their shapes (-1: any size).
    static func modelMetadata(_ model: InferenceModel) -> Inference_ModelMetadataResponse {
        func tensors(_ specs: [TensorSpec]) -> [Inference_ModelMetadataResponse.TensorMetadata] {
            specs.map { spec in
                var tensor = Inference_ModelMetadataResponse.TensorMetadata()
                tensor.name = spec.name
                tensor.datatype = spec.datatype.rawValue
                tensor.shape = spec.shape.map { Int64($0) }
                return tensor
            }
        }
        var message = Inference_ModelMetadataResponse()
        message.name = model.name
        message.versions = [model.version]
        message.platform = "vaed"
        message.inputs = tensors(model.inputs)
        message.outputs = tensors(model.outputs)
        return message
    }

    /// Triton's model configuration, which perf_analyzer reads before it runs. Batched models give dims without
    /// the batch dimension and their batching window; `instance_group`'s count is the compute threads.
    static func modelConfig(_ model: InferenceModel, batching: BatchingConfiguration) -> Inference_ModelConfigResponse {
        let batched = model.isBatched
        func dims(_ spec: TensorSpec) -> [Int64] { (batched ? Array(spec.shape.dropFirst()) : spec.shape).map { Int64($0) } }
        var config = Inference_ModelConfig()
        config.name = model.name
        config.platform = "vaed"
        config.backend = "vaed"
        config.maxBatchSize = batched ? Int32(clamping: model.maxBatchSize) : 0
        config.input = model.inputs.map { spec in
            var input = Inference_ModelInput()
            input.name = spec.name
            input.dataType = Inference_DataType(spec.datatype)
            input.dims = dims(spec)
            input.optional = spec.optional
            return input
        }
        config.output = model.outputs.map { spec in
            var output = Inference_ModelOutput()
            output.name = spec.name
            output.dataType = Inference_DataType(spec.datatype)
            output.dims = dims(spec)
            return output
        }
        if batched {
            var dynamic = Inference_ModelDynamicBatching()
            dynamic.maxQueueDelayMicroseconds = UInt64(max(0, batching.windowMicroseconds))
            config.dynamicBatching = dynamic
        }
        var instances = Inference_ModelInstanceGroup()
        instances.name = model.name
        instances.kind = .cpu
        instances.count = Int32(clamping: batching.threads)
        config.instanceGroup = [instances]
        var version = Inference_ModelParameter()
        version.stringValue = model.version
        config.parameters = ["version": version]
        var message = Inference_ModelConfigResponse()
        message.config = config
        return message
    }
}

extension Inference_DataType {
    /// model_config.proto's name for a V2 datatype (BYTES is TYPE_STRING).
    init(_ datatype: TensorDatatype) {
        self = switch datatype {
        case .bool: .typeBool
        case .uint8: .typeUint8
        case .uint16: .typeUint16
        case .uint32: .typeUint32
        case .uint64: .typeUint64
        case .int8: .typeInt8
        case .int16: .typeInt16
        case .int32: .typeInt32
        case .int64: .typeInt64
        case .fp16: .typeFp16
        case .bf16: .typeBf16
        case .fp32: .typeFp32
        case .fp64: .typeFp64
        case .bytes: .typeString
        }
    }
}
