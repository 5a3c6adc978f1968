#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import VAEJSON
import VAENumerics
import VAEProtocol

/// Limits a server announces in `hello` and enforces.
public struct ServerLimits: Sendable {
    public var maxLineBytes: Int
    public var maxBatch: Int

    public init(maxLineBytes: Int = 1 << 20, maxBatch: Int = 256) {
        self.maxLineBytes = maxLineBytes
        self.maxBatch = maxBatch
    }
}

/// What only the daemon knows: its counters and how to reload. The handler forwards `stats` and `reload` to it.
public protocol ServerControl: AnyObject, Sendable {
    func stats(format: String, into writer: inout JSONWriter) throws(RPCError)
    func reload(into writer: inout JSONWriter) throws(RPCError)
}

/// Turns protocol v1 request lines into work: parses and validates params, picks the model, and either answers at
/// once or describes the compute the answer needs. Transport-free and thread-safe, so the daemon calls it from any
/// connection and tests call it directly.
public final class MethodHandler: Sendable {
    public let registry: ModelRegistry
    public let limits: ServerLimits
    public let serverVersion: String
    public let control: (any ServerControl)?

    public init(registry: ModelRegistry, limits: ServerLimits = .init(), serverVersion: String = "0.1.0",
                control: (any ServerControl)? = nil) {
        self.registry = registry
        self.limits = limits
        self.serverVersion = serverVersion
        self.control = control
    }

    public convenience init(models: [ServedModel], limits: ServerLimits = .init(), control: (any ServerControl)? = nil) {
        self.init(registry: ModelRegistry(models), limits: limits, control: control)
    }

    /// The work for one line (without its line ending); no requests for a blank line.
    /// - Parameter draining: the server is shutting down: model methods are refused with `shutting_down`.
    public func prepare(line: UnsafeBufferPointer<UInt8>, draining: Bool = false) -> PreparedLine {
        guard line.count <= limits.maxLineBytes else {
            return PreparedLine(isBatch: false, requests: [failed(id: .null, .lineTooLong(limit: limits.maxLineBytes))])
        }
        switch RPCIncoming.parse(line: line) {
        case .empty:
            return PreparedLine(isBatch: false, requests: [])
        case .single(let result):
            return PreparedLine(isBatch: false, requests: [prepare(result, draining: draining)])
        case .batch(let results):
            return PreparedLine(isBatch: true, requests: results.map { prepare($0, draining: draining) })
        }
    }

    func prepare(_ result: Result<RPCRequest, RPCFailure>, draining: Bool) -> PreparedRequest {
        switch result {
        case .failure(let failure):
            return failed(id: failure.id, failure.error)
        case .success(let request):
            var record = RequestRecord()
            do {
                let work = try work(for: request, draining: draining, record: &record)
                return PreparedRequest(id: request.id, record: record, work: work)
            } catch {
                record.errorType = error.type.rawValue
                var writer = JSONWriter(capacity: 256)
                RPCResponse.writeFailure(id: request.id ?? .null, error, into: &writer)
                return PreparedRequest(id: request.id, record: record, work: .answered(writer.bytes))
            }
        }
    }

    private func failed(id: RPCID, _ error: RPCError) -> PreparedRequest {
        var writer = JSONWriter(capacity: 256)
        RPCResponse.writeFailure(id: id, error, into: &writer)
        // An unreadable request is still answered (under id null), so it is never a notification.
        return PreparedRequest(id: id, record: RequestRecord(errorType: error.type.rawValue), work: .answered(writer.bytes))
    }

    private func answered(_ id: RPCID?, _ body: (inout JSONWriter) throws(RPCError) -> Void) throws(RPCError) -> PreparedRequest.Work {
        var result = JSONWriter(capacity: 512)
        try body(&result)
        var writer = JSONWriter(capacity: result.bytes.count + 64)
        RPCResponse.writeSuccess(id: id ?? .null, into: &writer) { $0.raw(bytes: result.bytes) }
        return .answered(writer.bytes)
    }

    func work(for request: RPCRequest, draining: Bool, record: inout RequestRecord) throws(RPCError) -> PreparedRequest.Work {
        guard let method = RPCMethod(rawValue: request.method) else { throw .methodNotFound(request.method) }
        record.method = method.rawValue
        if draining && method.usesModel { throw .shuttingDown }
        let params = Params(request.params)
        switch method {
        case .hello:
            let names = registry.names
            return try answered(request.id) { w in
                w.raw("{\"protocol\":\(protocolVersion),\"server\":")
                w.string("vaed \(serverVersion)")
                w.raw(",\"limits\":{\"max_line_bytes\":\(limits.maxLineBytes),\"max_batch\":\(limits.maxBatch)},\"models\":")
                writeStrings(names, into: &w)
                w.raw(",\"gemm\":")
                GEMM.kernels.write(into: &w)
                w.raw("}")
            }
        case .models:
            let models = registry.current
            return try answered(request.id) { w in
                w.raw("{\"models\":[")
                for (i, name) in models.keys.sorted().enumerated() {
                    if i > 0 { w.raw(",") }
                    writeDescription(models[name]!, into: &w)
                }
                w.raw("]}")
            }
        case .health:
            return try answered(request.id) { w in w.raw(draining ? "{\"status\":\"draining\"}" : "{\"status\":\"ok\"}") }
        case .stats:
            guard let control else { throw .internalError("stats are not available in this server.") }
            let format = try params.string("format") ?? "json"
            guard format == "json" || format == "prometheus" else {
                throw .invalidParams("params.format must be \"json\" or \"prometheus\" (got \"\(format)\").")
            }
            return try answered(request.id) { (w) throws(RPCError) in try control.stats(format: format, into: &w) }
        case .reload:
            guard control != nil else { throw .internalError("reload is not available in this server.") }
            return .reload
        case .encode:
            let model = try model(for: params, record: &record)
            let (images, count) = try payload(model).decode(params["images"], limit: limits.maxBatch)
            record.rows = count
            let sample = try params.bool("sample") ?? false
            let seed = try params.seed() ?? UInt64.random(in: 0...UInt64.max)
            let job = ComputeJob(model: model, stage: .encode, input: images, count: count)
            return .compute(job, answerBytes: count * model.zDim * 3 * 16) { job, w in
                Self.writeEncoding(job, sample: sample, seed: seed, into: &w)
            }
        case .decode:
            let model = try model(for: params, record: &record)
            let format = try params.outputFormat()
            let (z, count) = try params.latentCodes(zDim: model.zDim, limit: limits.maxBatch)
            record.rows = count
            return imageWork(model, stage: .decode, input: z, count: count, format: format) { _, w in w.raw("}") }
        case .sample:
            let model = try model(for: params, record: &record)
            let format = try params.outputFormat()
            guard let count = try params.integer("count", in: 1...Int.max) else { throw .invalidParams("params.count is required.") }
            guard count <= limits.maxBatch else { throw .tooLarge("params.count", count: count, limit: limits.maxBatch) }
            let temperature = try params.number("temperature") ?? 1
            guard temperature.isFinite, temperature > 0, Float(temperature).isFinite else {
                throw .invalidValue("params.temperature must be a finite number above 0 (got \(temperature)).")
            }
            let seed = try params.seed() ?? UInt64.random(in: 0...UInt64.max)
            // Codes start...start+count-1 of the seed, so a client splits a large sample into requests of max_batch.
            let start = try params.integer("start", in: 0...(1 << 53))
            record.rows = count
            // The codes are drawn here, not in the batch: code i depends only on (seed, i).
            let z = LatentCodes.sample(seed: seed, start: start ?? 0, count: count, temperature: Float(temperature),
                                       mean: model.samplingMean, std: model.samplingStd)
            return imageWork(model, stage: .decode, input: z, count: count, format: format,
                             extraBytes: count * model.zDim * 16) { job, w in
                w.raw(",\"z\":")
                job.input.withUnsafeBufferPointer { Self.writeRows($0, width: job.model.zDim, into: &w) }
                w.raw(",\"seed\":\(seed)")
                // Echoed when asked for, so a client can tell a server that ignores it (older than this parameter).
                if let start { w.raw(",\"start\":\(start)") }
                w.raw("}")
            }
        case .denoise:
            let model = try model(for: params, record: &record)
            let format = try params.outputFormat()
            let (images, count) = try payload(model).decode(params["images"], limit: limits.maxBatch)
            record.rows = count
            return imageWork(model, stage: .denoise, input: images, count: count, format: format) { _, w in w.raw("}") }
        }
    }

    /// The named model, or the only one when no name is given.
    func model(for params: Params, record: inout RequestRecord) throws(RPCError) -> ServedModel {
        let model: ServedModel
        if let name = try params.string("model") {
            guard let named = registry[name] else { throw .modelNotFound(name, loaded: registry.names) }
            model = named
        } else {
            let models = registry.current
            guard models.count == 1, let only = models.values.first else { throw .modelRequired(models.keys.sorted()) }
            model = only
        }
        record.model = model.name
        return model
    }

    /// Compute whose result starts with images answered in `format`: kept as bytes unless the answer wants floats,
    /// the answer sized for them plus `extraBytes`; `finish` writes the rest of the result after `{"images":[…]`.
    func imageWork(
        _ model: ServedModel, stage: ComputeJob.Stage, input: [Float], count: Int, format: ImageOutputFormat,
        extraBytes: Int = 0, finish: @escaping @Sendable (ComputeJob, inout JSONWriter) -> Void
    ) -> PreparedRequest.Work {
        let job = ComputeJob(model: model, stage: stage, input: input, count: count, imagesAsBytes: format != .array)
        let answerBytes = payload(model).encodedSize(count: count, format: format) + extraBytes
        return .compute(job, answerBytes: answerBytes) { job, w in
            Self.writeImages(job, format: format, into: &w)
            finish(job, &w)
        }
    }

    func payload(_ model: ServedModel) -> ImagePayload {
        ImagePayload(height: model.architecture.input.height, width: model.architecture.input.width)
    }

    // MARK: Results

    /// `{"z":…,"mu":…,"logvar":…}` from the head rows; z is sampled around mu when asked (code i from (seed, i)).
    static func writeEncoding(_ job: ComputeJob, sample: Bool, seed: UInt64, into w: inout JSONWriter) {
        let zDim = job.model.zDim, stride = job.model.architecture.headWidth, count = job.count
        let isVAE = stride == 2 * zDim
        var mu = [Float](repeating: 0, count: count * zDim), logvar = [Float](repeating: 0, count: isVAE ? count * zDim : 0)
        for i in 0..<count {
            for j in 0..<zDim {
                mu[i * zDim + j] = job.head[i * stride + j]
                if isVAE { logvar[i * zDim + j] = job.head[i * stride + zDim + j] }
            }
        }
        var z = mu
        if sample && isVAE {
            var noise = [Float](repeating: 0, count: zDim)
            for i in 0..<count {
                noise.withUnsafeMutableBufferPointer { LatentCodes.noise(seed: seed, index: i, zDim: zDim, into: $0.baseAddress!) }
                for j in 0..<zDim {
                    let k = i * zDim + j
                    z[k] = mu[k] + noise[j] * Float(Glibc.exp(Double(0.5 * logvar[k])))
                }
            }
        }
        w.raw("{\"z\":")
        z.withUnsafeBufferPointer { writeRows($0, width: zDim, into: &w) }
        if isVAE {
            w.raw(",\"mu\":")
            mu.withUnsafeBufferPointer { writeRows($0, width: zDim, into: &w) }
            w.raw(",\"logvar\":")
            logvar.withUnsafeBufferPointer { writeRows($0, width: zDim, into: &w) }
        }
        w.raw("}")
    }

    /// `{"images":[…]` (left open for more members).
    static func writeImages(_ job: ComputeJob, format: ImageOutputFormat, into w: inout JSONWriter) {
        let shape = job.model.architecture.input
        w.raw("{\"images\":")
        let payload = ImagePayload(height: shape.height, width: shape.width)
        if job.imagesAsBytes {
            payload.write(bytes: UnsafePointer(job.imageBytes.baseAddress!), count: job.count, format: format, into: &w)
        } else {
            payload.write(UnsafePointer(job.images.baseAddress!), count: job.count, format: format, into: &w)
        }
    }

    static func writeRows(_ values: UnsafeBufferPointer<Float>, width: Int, into w: inout JSONWriter) {
        w.raw("[")
        for row in 0..<(values.count / max(width, 1)) {
            if row > 0 { w.raw(",") }
            w.floats(UnsafeBufferPointer(rebasing: values[(row * width)..<((row + 1) * width)]))
        }
        w.raw("]")
    }

    func writeStrings(_ values: [String], into w: inout JSONWriter) {
        w.raw("[")
        for (i, value) in values.enumerated() {
            if i > 0 { w.raw(",") }
            w.string(value)
        }
        w.raw("]")
    }

    func writeDescription(_ model: ServedModel, into w: inout JSONWriter) {
        let a = model.architecture
        w.raw("{\"name\":")
        w.string(model.name)
        w.raw(",\"kind\":\"\(a.kind.rawValue)\",\"z_dim\":\(a.zDim),\"image\":{\"height\":\(a.input.height),\"width\":\(a.input.width),\"channels\":\(a.input.channels)},\"hidden\":[\(a.hidden.map(String.init).joined(separator: ","))],\"dataset\":")
        if let dataset = model.dataset { w.string(dataset) } else { w.raw("null") }
        w.raw(",\"file\":{\"path\":")
        w.string(model.path)
        w.raw(",\"bytes\":\(model.fileBytes),\"sha256\":")
        w.string(model.fileSHA256)
        w.raw(",\"format_version\":")
        w.string(model.formatVersion)
        w.raw(",\"dtype\":")
        w.string(model.dtype)
        w.raw("},\"loaded_at\":")
        w.string(model.loadedAt.ISO8601Format())
        w.raw("}")
    }
}
