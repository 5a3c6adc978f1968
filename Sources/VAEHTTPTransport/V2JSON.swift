import VAEJSON
import VAEOpenInference
import VAEServing

/// The V2 REST bodies this server writes (Formats/open-inference.md).
enum V2JSON {
    /// `{"error": "…", "type": "…"}`: V2's error object, with protocol v1's error type beside the message.
    static func error(_ error: InferenceError) -> [UInt8] {
        var w = JSONWriter(capacity: 64 + error.message.utf8.count)
        w.raw("{\"error\":")
        w.string(error.message)
        w.raw(",\"type\":")
        w.string(error.kind.rawValue)
        w.raw("}")
        return w.bytes
    }

    /// `GET /v2`: the server metadata and the extensions it implements.
    static func serverMetadata(version: String) -> [UInt8] {
        var w = JSONWriter()
        w.raw("{\"name\":\"vaed\",\"version\":")
        w.string(version)
        w.raw(",\"extensions\":[\"binary_tensor_data\",\"model_configuration\"]}")
        return w.bytes
    }

    /// `GET /v2/models/{m}`: name, versions, platform and the tensors with their shapes (-1: any size).
    static func modelMetadata(_ model: InferenceModel) -> [UInt8] {
        var w = JSONWriter(capacity: 512)
        w.raw("{\"name\":")
        w.string(model.name)
        w.raw(",\"versions\":[")
        w.string(model.version)
        w.raw("],\"platform\":\"vaed\",\"inputs\":")
        tensors(model.inputs, into: &w)
        w.raw(",\"outputs\":")
        tensors(model.outputs, into: &w)
        w.raw("}")
        return w.bytes
    }

    private static func tensors(_ specs: [TensorSpec], into w: inout JSONWriter) {
        w.raw("[")
        for (i, spec) in specs.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"name\":")
            w.string(spec.name)
            w.raw(",\"datatype\":")
            w.string(spec.datatype.rawValue)
            w.raw(",\"shape\":[\(spec.shape.map(String.init).joined(separator: ","))]}")
        }
        w.raw("]")
    }

    /// `GET /v2/models/{m}/config`: Triton's model configuration (its JSON form of model_config.proto), which
    /// perf_analyzer reads before it runs. Batched models give dims without the batch dimension.
    static func modelConfig(_ model: InferenceModel, batching: BatchingConfiguration) -> [UInt8] {
        var w = JSONWriter(capacity: 768)
        let batched = model.isBatched
        w.raw("{\"name\":")
        w.string(model.name)
        w.raw(",\"platform\":\"vaed\",\"backend\":\"vaed\",\"max_batch_size\":\(batched ? model.maxBatchSize : 0)")
        w.raw(",\"input\":")
        configTensors(model.inputs, batched: batched, into: &w)
        w.raw(",\"output\":")
        configTensors(model.outputs, batched: batched, into: &w)
        if batched {
            w.raw(",\"dynamic_batching\":{\"max_queue_delay_microseconds\":\(batching.windowMicroseconds)}")
        }
        w.raw(",\"instance_group\":[{\"name\":")
        w.string(model.name)
        w.raw(",\"kind\":\"KIND_CPU\",\"count\":\(batching.threads)}]")
        w.raw(",\"parameters\":{\"version\":{\"string_value\":")
        w.string(model.version)
        w.raw("}}}")
        return w.bytes
    }

    private static func configTensors(_ specs: [TensorSpec], batched: Bool, into w: inout JSONWriter) {
        w.raw("[")
        for (i, spec) in specs.enumerated() {
            if i > 0 { w.raw(",") }
            let dims = batched ? Array(spec.shape.dropFirst()) : spec.shape
            w.raw("{\"name\":")
            w.string(spec.name)
            w.raw(",\"data_type\":\"\(spec.datatype.configName)\",\"dims\":[\(dims.map(String.init).joined(separator: ","))]")
            if spec.optional { w.raw(",\"optional\":true") }
            w.raw("}")
        }
        w.raw("]")
    }

    /// An infer response: the JSON, and after it the binary outputs in order when any output is binary (then
    /// `jsonLength` is the `Inference-Header-Content-Length`).
    static func inferResponse(_ response: InferenceResponse) -> (body: [UInt8], jsonLength: Int?) {
        let binaryBytes = response.outputs.reduce(0) { $0 + ($1.binary ? $1.byteCount : 0) }
        let textBytes = response.outputs.reduce(0) { $0 + ($1.binary ? 0 : $1.byteCount * 3) }
        var w = JSONWriter(capacity: 256 + textBytes + binaryBytes)
        w.raw("{\"model_name\":")
        w.string(response.modelName)
        w.raw(",\"model_version\":")
        w.string(response.modelVersion)
        if let id = response.id {
            w.raw(",\"id\":")
            w.string(id)
        }
        if !response.parameters.isEmpty {
            w.raw(",\"parameters\":{")
            for (i, parameter) in response.parameters.enumerated() {
                if i > 0 { w.raw(",") }
                w.string(parameter.name)
                w.raw(":")
                write(parameter.value, into: &w)
            }
            w.raw("}")
        }
        w.raw(",\"outputs\":[")
        for (i, output) in response.outputs.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"name\":")
            w.string(output.name)
            w.raw(",\"datatype\":\"\(output.datatype.rawValue)\",\"shape\":[\(output.shape.map(String.init).joined(separator: ","))]")
            if output.binary {
                w.raw(",\"parameters\":{\"binary_data_size\":\(output.byteCount)}}")
                continue
            }
            w.raw(",\"data\":")
            switch output.values {
            case .floats(let values):
                values.withUnsafeBufferPointer { w.floats($0) }
            case .bytes(let values):
                w.raw("[")
                for (j, value) in values.enumerated() {
                    if j > 0 { w.raw(",") }
                    w.int(Int(value))
                }
                w.raw("]")
            }
            w.raw("}")
        }
        w.raw("]}")
        guard binaryBytes > 0 else { return (w.bytes, nil) }
        let jsonLength = w.bytes.count
        var body = w.bytes
        for output in response.outputs where output.binary {
            switch output.values {
            case .floats(let values):
                values.withUnsafeBytes { body.append(contentsOf: $0) }  // x86-64 and arm64 are little-endian
            case .bytes(let values):
                body.append(contentsOf: values)
            }
        }
        return (body, jsonLength)
    }

    private static func write(_ value: InferenceParameter, into w: inout JSONWriter) {
        switch value {
        case .bool(let flag): w.raw(flag ? "true" : "false")
        case .int(let n): w.raw(String(n))
        case .uint(let n): w.raw(String(n))
        case .double(let x): w.double(x)
        case .string(let text): w.string(text)
        }
    }
}
