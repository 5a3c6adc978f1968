import VAEJSON
import VAEProtocol
import VAEServing

/// One protocol v1 request, decoded into the engine's terms, with what its answer needs that the engine does not
/// keep: the id, the image output format, the members echoed back, and the answer's expected size.
package struct RPCCall: Sendable {
    /// nil for a notification: it gets no answer.
    package var id: RPCID?
    package var request: ServingRequest
    package var record: RequestRecord
    var imageFormat: ImageOutputFormat = .array
    /// stats: as Prometheus text rather than JSON members.
    var prometheus = false
    /// sample: the seed used, and `start` when the client gave it (echoed so it can tell an older server).
    var seed: UInt64?
    var start: Int?
    /// Roughly the size of the result, so the answer is written without growing.
    var answerBytes = 512
}

/// Decodes protocol v1 params into engine requests (Formats/protocol.md), each refusal an `RPCError` naming the
/// member at fault.
package struct RPCCallDecoder: Sendable {
    package let engine: ServingEngine

    package init(engine: ServingEngine) { self.engine = engine }

    /// - Parameter record: filled in as far as decoding got (method, model, rows), also when it throws.
    package func call(for request: RPCRequest, draining: Bool, record: inout RequestRecord) throws(RPCError) -> RPCCall {
        guard let method = RPCMethod(rawValue: request.method) else { throw .methodNotFound(request.method) }
        record.method = method.rawValue
        if draining && method.usesModel { throw .shuttingDown }
        let params = Params(request.params)
        let known = record
        func call(_ serving: ServingRequest) -> RPCCall { RPCCall(id: request.id, request: serving, record: known) }
        switch method {
        case .hello: return call(.hello)
        case .models: return call(.models)
        case .health: return call(.health)
        case .reload: return call(.reload)
        case .stats:
            var stats = call(.stats)
            stats.prometheus = try StatsParams(params).format == .prometheus
            return stats
        case .encode, .decode, .sample, .denoise:
            var modelCall = try modelRequest(method, params: params, record: &record)
            record.rows = modelCall.request.rows
            modelCall.id = request.id
            modelCall.record = record
            return modelCall
        }
    }

    private func model(named name: String?, record: inout RequestRecord) throws(RPCError) -> ServedModel {
        let model: ServedModel
        do {
            model = try engine.model(named: name)
        } catch {
            throw RPCError(error)
        }
        record.model = model.name
        return model
    }

    /// The params read by the protocol's own types (as clients write them), then checked against the model.
    private func modelRequest(_ method: RPCMethod, params: Params, record: inout RequestRecord) throws(RPCError) -> RPCCall {
        let limit = engine.limits.maxBatch
        switch method {
        case .encode:
            let encode = try EncodeParams(params)
            let model = try model(named: encode.model, record: &record)
            let (images, count) = try inputs(encode.images, rows: encode.rows, model: model, limit: limit)
            let request = EncodeRequest(model: model, images: images, count: count, sample: encode.sample ?? false,
                                        seed: encode.seed ?? UInt64.random(in: 0...UInt64.max))
            var call = RPCCall(request: .encode(request), record: RequestRecord())
            call.answerBytes = count * model.zDim * 3 * 16
            return call
        case .decode:
            let decode = try DecodeParams(params)
            let model = try model(named: decode.model, record: &record)
            let format = try outputFormat(decode.output, model: model)
            let (codes, count) = try decode.codes(zDim: model.zDim, limit: limit)
            let request = DecodeRequest(model: model, codes: codes, count: count, pixels: format.storage)
            return imageCall(.decode(request), model, count: count, format: format)
        case .denoise:
            let denoise = try DenoiseParams(params)
            let model = try model(named: denoise.model, record: &record)
            let format = try outputFormat(denoise.output, model: model)
            let (images, count) = try inputs(denoise.images, rows: denoise.rows, model: model, limit: limit)
            let request = DenoiseRequest(model: model, images: images, count: count, pixels: format.storage)
            return imageCall(.denoise(request), model, count: count, format: format)
        case .sample:
            let sample = try SampleParams(params)
            let model = try model(named: sample.model, record: &record)
            guard sample.count <= limit else { throw .tooLarge("params.count", count: sample.count, limit: limit) }
            let format = try outputFormat(sample.output, model: model)
            let seed = sample.seed ?? UInt64.random(in: 0...UInt64.max)
            // Codes start...start+count-1 of the seed, so a client splits a large sample into requests of max_batch.
            let request = SampleRequest(model: model, count: sample.count, temperature: Float(sample.temperature ?? 1),
                                        seed: seed, start: sample.start ?? 0, pixels: format.storage)
            var call = imageCall(.sample(request), model, count: sample.count, format: format)
            call.seed = seed
            call.start = sample.start
            call.answerBytes += sample.count * model.zDim * 16
            return call
        case .hello, .models, .health, .stats, .reload:
            preconditionFailure("not a model method")
        }
    }

    private func imageCall(_ request: ServingRequest, _ model: ServedModel, count: Int,
                           format: ImageOutputFormat) -> RPCCall {
        var call = RPCCall(request: request, record: RequestRecord())
        call.imageFormat = format
        switch model.data.kind {
        case .image: call.answerBytes = model.imagePayload.encodedSize(count: count, format: format)
        case .table: call.answerBytes = model.tablePayload.encodedSize(count: count)
        }
        return call
    }

    /// The model's input values from `images` or, for a table model, `rows` (or `images` as flat rows).
    private func inputs(_ images: [JSONValue], rows: [JSONValue]?, model: ServedModel, limit: Int) throws(RPCError)
        -> (values: [Float], count: Int)
    {
        switch model.data.kind {
        case .image:
            if rows != nil {
                throw .invalidParams("params.rows is for table models; model '\(model.name)' takes params.images.")
            }
            return try model.imagePayload.decode(items: images, limit: limit)
        case .table:
            if let rows { return try model.tablePayload.decode(rows: .array(rows), limit: limit) }
            return try model.tablePayload.decode(items: images, limit: limit)
        }
    }

    /// `output` as given (default array); u8 and png only for image models.
    private func outputFormat(_ format: ImageOutputFormat?, model: ServedModel) throws(RPCError) -> ImageOutputFormat {
        let format = format ?? .array
        if model.data.kind == .table && format != .array {
            throw .invalidParams("params.output \"\(format.rawValue)\" is for image models; model '\(model.name)' is a "
                                 + "table model and answers rows of numbers (leave output out, or give \"array\").")
        }
        return format
    }
}

extension ServedModel {
    /// How this model's images are read and written.
    var imagePayload: ImagePayload {
        let input = architecture.input
        return ImagePayload(height: input.height, width: input.width, channels: input.channels)
    }

    /// How this (table) model's rows are read and written.
    var tablePayload: TablePayload { TablePayload(features: pixelCount, names: data.features) }
}

extension ImageOutputFormat {
    /// Images answered as u8 or PNG are kept as bytes straight from the decoder: a quarter of the floats' memory.
    var storage: PixelStorage { self == .array ? .floats : .bytes }
}

extension RPCError {
    /// The engine's refusal in protocol v1 terms (same types and messages as Formats/protocol.md gives).
    init(_ error: ServingError) {
        switch error {
        case .modelNotFound(let name, let loaded): self = .modelNotFound(name, loaded: loaded)
        case .modelRequired(let loaded): self = .modelRequired(loaded)
        case .overloaded(let milliseconds): self = .overloaded(retryAfterMilliseconds: milliseconds)
        case .shuttingDown: self = .shuttingDown
        case .unavailable(let why): self = .internalError(why)
        case .reloadFailed(let model, let reason, let report):
            let failed = RPCError.reloadFailed(model: model, reason: reason)
            self = RPCError(failed.type, failed.message,
                            details: failed.details + [JSONMember(key: "models", value: report.actionsJSON)])
        }
    }
}
