import SwiftProtobuf
import VAEGRPCProto
import VAEGRPCTransport
import VAEHTTPTransport
import VAEOpenInference
import VAEServing

extension FuzzTarget {
    /// The V2 models a request may name, picked by the input's first byte: bits 0–1 the method, bits 2 and 4 the
    /// model (bit 4 was added with the RGB and table models, so older seeds keep their meaning).
    static let v2Models = ["digits.encode", "digits.decode", "digits.denoise", "digits.sample",
                           "tiny.encode", "tiny.decode", "tiny.denoise", "tiny.sample",
                           "rgb.encode", "rgb.decode", "rgb.denoise", "rgb.sample",
                           "table.encode", "table.decode", "table.denoise", "table.sample"]

    /// The model a selector byte picks.
    static func v2Model(_ selector: UInt8) -> String { v2Models[Int(selector & 7) | Int(selector & 0x10) >> 1] }

    /// A V2 REST infer body (Formats/open-inference.md): JSON tensors, or Triton's binary tensor data extension.
    /// Input: a byte whose bits 0–2 and 4 pick the model (`v2Model`) and whose bit 3 says a 4-byte little-endian
    /// `Inference-Header-Content-Length` follows, then the body. The fast reader (numbers read straight from
    /// `data`) and the plain JSON reader agree on every body; a request checked against the model becomes an
    /// engine request within the limits, or an `InferenceError` with a message and a 4xx/5xx status.
    static let v2Infer = FuzzTarget(name: "FuzzV2Infer", summary: "V2 REST infer bodies (JSON and binary tensors)") { data in
        var properties = Properties()
        guard let selector = data.first else { return properties.outcome }
        var body = UnsafeRawBufferPointer(rebasing: data.dropFirst())
        var headerLength: Int?
        if selector & 8 != 0 {
            guard body.count >= 4 else { return properties.outcome }
            headerLength = body.prefix(4).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            body = UnsafeRawBufferPointer(rebasing: body.dropFirst(4))
        }
        let fast = Result { () throws(InferenceError) in
            try InferRequestDecoding.request(body: body, headerLength: headerLength, numbersFirst: true)
        }
        let plain = Result { () throws(InferenceError) in
            try InferRequestDecoding.request(body: body, headerLength: headerLength, numbersFirst: false)
        }
        switch (fast, plain) {
        case (.success(let a), .success(let b)):
            properties.expect(fingerprint(a) == fingerprint(b), "the fast and the plain reader read different requests")
            prepare(a, model: v2Model(selector), version: nil, &properties)
        case (.failure(let a), .failure(let b)):
            properties.expect(a.message == b.message, "the two readers refuse differently: \(a.message) / \(b.message)")
            checkRefusal(a, &properties)
        case (.success, .failure(let error)):
            properties.fail("the fast reader took a body the plain reader refuses: \(error.message)")
        case (.failure(let error), .success):
            properties.fail("the fast reader refused a body the plain reader takes: \(error.message)")
        }
        return properties.outcome
    }

    /// A gRPC `ModelInferRequest` (Triton's grpc_service.proto) as protobuf bytes: decoded by swift-protobuf, read
    /// into the core's terms (raw or typed contents) and checked against the model it names.
    static let grpcInfer = FuzzTarget(name: "FuzzGRPCInfer", summary: "gRPC ModelInferRequest messages") { data in
        var properties = Properties()
        guard let message = try? Inference_ModelInferRequest(serializedBytes: data.array) else { return properties.outcome }
        do throws(InferenceError) {
            let request = try InferMessages.request(message)
            prepare(request, model: message.modelName, version: message.modelVersion.isEmpty ? nil : message.modelVersion,
                    &properties)
        } catch {
            checkRefusal(error, &properties)
        }
        return properties.outcome
    }

    static func prepare(_ request: InferenceRequest, model name: String, version: String?, _ properties: inout Properties) {
        do throws(InferenceError) {
            let model = try InferenceModels(engine: FuzzModels.engine).model(named: name, version: version)
            let prepared = try model.prepare(request)
            properties.accepted = true
            checkRequest(prepared.request, &properties)
        } catch {
            checkRefusal(error, &properties)
        }
    }

    static func checkRefusal(_ error: InferenceError, _ properties: inout Properties) {
        properties.expect(!error.message.isEmpty, "a refusal without a message")
        properties.expect((400..<600).contains(error.httpStatus), "a refusal with HTTP status \(error.httpStatus)")
    }

    /// Everything a decoded request holds, floats by their bits, as text to compare.
    static func fingerprint(_ request: InferenceRequest) -> String {
        func values(_ values: TensorValues) -> String {
            switch values {
            case .raw(let bytes): "raw\(bytes)"
            case .floats(let floats): "f32\(floats.map(\.bitPattern))"
            case .doubles(let doubles): "f64\(doubles.map(\.bitPattern))"
            case .signed(let ints): "i64\(ints)"
            case .unsigned(let ints): "u64\(ints)"
            case .bools(let bools): "bool\(bools)"
            }
        }
        let parameters = request.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let inputs = request.inputs.map { "\($0.name):\($0.datatype):\($0.shape):\(values($0.values))" }
        let outputs = request.outputs.map { $0.map { "\($0.name):\($0.binary)" } }
        return "\(String(describing: request.id))|\(parameters)|\(inputs)|\(String(describing: outputs))"
    }
}
