import VAEImage
import VAEServing

/// An output tensor of a V2 response: name, datatype, shape and elements, which a transport writes as JSON
/// numbers or raw little-endian bytes.
package struct OutputTensor: Sendable {
    package enum Values: Sendable {
        case floats([Float])
        case bytes([UInt8])
    }

    package var name: String
    package var datatype: TensorDatatype
    package var shape: [Int]
    package var values: Values
    /// REST: sent in the binary section rather than as JSON `data`.
    package var binary: Bool

    /// The raw form's size in bytes.
    package var byteCount: Int {
        switch values {
        case .floats(let values): values.count * 4
        case .bytes(let values): values.count
        }
    }
}

/// A V2 inference response: the model, its version, the request's id and the outputs asked for.
package struct InferenceResponse: Sendable {
    package var modelName: String
    package var modelVersion: String
    package var id: String?
    /// Response parameters (sample: the seed used).
    package var parameters: [(name: String, value: InferenceParameter)]
    package var outputs: [OutputTensor]
}

extension PreparedInference {
    /// The response for the engine's result of `request`.
    package func response(for result: ServingResult) -> InferenceResponse {
        var tensors: [String: (TensorDatatype, [Int], OutputTensor.Values)] = [:]
        switch result {
        case .encoding(let encoding):
            let shape = [encoding.count, encoding.zDim]
            tensors["mu"] = (.fp32, shape, .floats(encoding.mu))
            if let logvar = encoding.logvar { tensors["logvar"] = (.fp32, shape, .floats(logvar)) }
            tensors["z"] = (.fp32, shape, .floats(encoding.z))
        case .images(let images) where model.isTable:
            tensors["rows"] = (.fp32, [images.count, images.shape.pixelCount], .floats(Array(images.pixels.floats)))
            if !images.codes.isEmpty { tensors["z"] = (.fp32, [images.count, images.zDim], .floats(images.codes)) }
        case .images(let images):
            let shape = [images.count] + model.imageShape
            let pixels = images.pixels
            switch pixels.storage {
            case .bytes:
                tensors["images"] = (.uint8, shape, .bytes(Array(pixels.bytes)))
            case .floats:
                let floats = Array(pixels.floats)
                tensors["images_fp32"] = (.fp32, shape, .floats(floats))
                if outputs.contains(where: { $0.name == "images" }) {
                    tensors["images"] = (.uint8, shape, .bytes(Self.bytes(floats)))
                }
            }
            if !images.codes.isEmpty { tensors["z"] = (.fp32, [images.count, images.zDim], .floats(images.codes)) }
        case .hello, .models, .health, .stats, .reload:
            preconditionFailure("not a model result")
        }
        let answered = outputs.compactMap { output -> OutputTensor? in
            guard let (datatype, shape, values) = tensors[output.name] else { return nil }
            return OutputTensor(name: output.name, datatype: datatype, shape: shape, values: values, binary: output.binary)
        }
        return InferenceResponse(modelName: model.name, modelVersion: model.version, id: id,
                                 parameters: seed.map { [("seed", .uint($0))] } ?? [], outputs: answered)
    }

    private static func bytes(_ floats: [Float]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: floats.count) { buffer, initialized in
            floats.withUnsafeBufferPointer { source in
                if let from = source.baseAddress, let to = buffer.baseAddress { PixelValues.unitToBytes(from, to, count: source.count) }
            }
            initialized = floats.count
        }
    }
}
