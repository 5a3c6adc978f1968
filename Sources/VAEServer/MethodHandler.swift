import Foundation
import VAEJSON
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
public protocol ServerControl: AnyObject {
    func stats(format: String, into writer: inout JSONWriter) throws(RPCError)
    func reload(into writer: inout JSONWriter) throws(RPCError)
}

/// What one answered request was, for the daemon's statistics.
public struct RequestRecord: Sendable {
    /// The method name if it is a known one.
    public var method: String?
    public var model: String?
    /// The error's data.type, or nil on success.
    public var errorType: String?
    /// Images or codes the request carried (its share of compute).
    public var rows: Int
}

/// Answers protocol v1 requests against a fixed set of models: parses params, picks the model, runs it, and writes
/// the response line. Transport-free, so it is tested directly and the daemon only adds sockets and batching.
public final class MethodHandler {
    public let models: [String: ServedModel]
    public let limits: ServerLimits
    public let serverVersion: String
    public weak var control: ServerControl?
    public var draining = false
    /// Called once per request object answered or failed (notifications included).
    public var record: ((RequestRecord) -> Void)?
    var runners: [String: ModelRunner] = [:]
    private var current = RequestRecord(rows: 0)

    public init(models: [ServedModel], limits: ServerLimits = .init(), serverVersion: String = "0.1.0") {
        self.models = Dictionary(models.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.limits = limits
        self.serverVersion = serverVersion
    }

    var modelNames: [String] { models.keys.sorted() }

    /// The response to one line: nil for a blank line, a notification, or a batch of notifications.
    public func respond(toLine line: [UInt8]) -> [UInt8]? {
        guard line.count <= limits.maxLineBytes else {
            return RPCResponse.failure(id: .null, .lineTooLong(limit: limits.maxLineBytes))
        }
        switch RPCIncoming.parse(line: line) {
        case .empty:
            return nil
        case .single(let result):
            return answer(result).map { $0 + [0x0A] }
        case .batch(let results):
            let answers = results.compactMap(answer)
            guard !answers.isEmpty else { return nil }
            var line: [UInt8] = [UInt8(ascii: "[")]
            for (i, answer) in answers.enumerated() {
                if i > 0 { line.append(UInt8(ascii: ",")) }
                line += answer
            }
            return line + [UInt8(ascii: "]"), 0x0A]
        }
    }

    /// One response object (without a line ending), or nil for a notification.
    func answer(_ result: Result<RPCRequest, RPCFailure>) -> [UInt8]? {
        var writer = JSONWriter(capacity: 1024)
        current = RequestRecord(rows: 0)
        defer { record?(current) }
        switch result {
        case .failure(let failure):
            current.errorType = failure.error.type.rawValue
            RPCResponse.writeFailure(id: failure.id, failure.error, into: &writer)
        case .success(let request):
            // A notification's work is still done (it may be a reload); only its answer is dropped.
            var body = JSONWriter(capacity: 1024)
            do {
                try handle(request, into: &body)
                guard let id = request.id else { return nil }
                RPCResponse.writeSuccess(id: id, into: &writer) { $0.raw(bytes: body.bytes) }
            } catch {
                current.errorType = error.type.rawValue
                guard let id = request.id else { return nil }
                RPCResponse.writeFailure(id: id, error, into: &writer)
            }
        }
        return writer.bytes
    }

    func handle(_ request: RPCRequest, into w: inout JSONWriter) throws(RPCError) {
        guard let method = RPCMethod(rawValue: request.method) else { throw .methodNotFound(request.method) }
        current.method = method.rawValue
        if draining && method.usesModel { throw .shuttingDown }
        let params = Params(request.params)
        switch method {
        case .hello:
            w.raw("{\"protocol\":\(protocolVersion),\"server\":")
            w.string("vaed \(serverVersion)")
            w.raw(",\"limits\":{\"max_line_bytes\":\(limits.maxLineBytes),\"max_batch\":\(limits.maxBatch)},\"models\":")
            writeStrings(modelNames, into: &w)
            w.raw("}")
        case .models:
            w.raw("{\"models\":[")
            for (i, name) in modelNames.enumerated() {
                if i > 0 { w.raw(",") }
                writeDescription(models[name]!, into: &w)
            }
            w.raw("]}")
        case .health:
            w.raw(draining ? "{\"status\":\"draining\"}" : "{\"status\":\"ok\"}")
        case .encode:
            let runner = try runner(for: params)
            let (images, count) = try payload(runner.model).decode(params["images"], limit: limits.maxBatch)
            current.rows = count
            let sample = try params.bool("sample") ?? false
            let seed = try params.seed() ?? UInt64.random(in: 0...UInt64.max)
            let (mu, logvar) = runner.encode(images, count: count)
            var z = mu
            if sample && !logvar.isEmpty {
                let zDim = runner.model.zDim
                var noise = [Float](repeating: 0, count: zDim)
                for i in 0..<count {
                    noise.withUnsafeMutableBufferPointer { LatentCodes.noise(seed: seed, index: i, zDim: zDim, into: $0.baseAddress!) }
                    for j in 0..<zDim {
                        let k = i * zDim + j
                        z[k] = mu[k] + noise[j] * (0.5 * logvar[k]).exponential
                    }
                }
            }
            w.raw("{\"z\":")
            writeRows(z, width: runner.model.zDim, into: &w)
            if !logvar.isEmpty {
                w.raw(",\"mu\":")
                writeRows(mu, width: runner.model.zDim, into: &w)
                w.raw(",\"logvar\":")
                writeRows(logvar, width: runner.model.zDim, into: &w)
            }
            w.raw("}")
        case .decode:
            let runner = try runner(for: params)
            let format = try params.outputFormat()
            let (z, count) = try params.latentCodes(zDim: runner.model.zDim, limit: limits.maxBatch)
            current.rows = count
            writeImages(runner.decode(z, count: count), count: count, model: runner.model, format: format, into: &w)
            w.raw("}")
        case .sample:
            let runner = try runner(for: params)
            let format = try params.outputFormat()
            guard let count = try params.integer("count", in: 1...Int.max) else { throw .invalidParams("params.count is required.") }
            guard count <= limits.maxBatch else { throw .tooLarge("params.count", count: count, limit: limits.maxBatch) }
            let temperature = try params.number("temperature") ?? 1
            guard temperature.isFinite, temperature > 0, Float(temperature).isFinite else {
                throw .invalidValue("params.temperature must be a finite number above 0 (got \(temperature)).")
            }
            let seed = try params.seed() ?? UInt64.random(in: 0...UInt64.max)
            current.rows = count
            let model = runner.model
            let z = LatentCodes.sample(seed: seed, count: count, temperature: Float(temperature),
                                       mean: model.samplingMean, std: model.samplingStd)
            writeImages(runner.decode(z, count: count), count: count, model: model, format: format, into: &w)
            w.raw(",\"z\":")
            writeRows(z, width: model.zDim, into: &w)
            w.raw(",\"seed\":\(seed)}")
        case .denoise:
            let runner = try runner(for: params)
            let format = try params.outputFormat()
            let (images, count) = try payload(runner.model).decode(params["images"], limit: limits.maxBatch)
            current.rows = count
            writeImages(runner.denoise(images, count: count), count: count, model: runner.model, format: format, into: &w)
            w.raw("}")
        case .stats:
            guard let control else { throw .internalError("stats are not available in this server.") }
            let format = try params.string("format") ?? "json"
            guard format == "json" || format == "prometheus" else {
                throw .invalidParams("params.format must be \"json\" or \"prometheus\" (got \"\(format)\").")
            }
            try control.stats(format: format, into: &w)
        case .reload:
            guard let control else { throw .internalError("reload is not available in this server.") }
            try control.reload(into: &w)
        }
    }

    /// The runner of the named model, or of the only one when no name is given.
    func runner(for params: Params) throws(RPCError) -> ModelRunner {
        let model: ServedModel
        if let name = try params.string("model") {
            guard let named = models[name] else { throw .modelNotFound(name, loaded: modelNames) }
            model = named
        } else {
            guard models.count == 1, let only = models.values.first else { throw .modelRequired(modelNames) }
            model = only
        }
        current.model = model.name
        if let runner = runners[model.name], runner.model === model { return runner }
        let runner = ModelRunner(model: model, capacity: limits.maxBatch)
        runners[model.name] = runner
        return runner
    }

    func payload(_ model: ServedModel) -> ImagePayload {
        ImagePayload(height: model.architecture.input.height, width: model.architecture.input.width)
    }

    func writeImages(_ images: [Float], count: Int, model: ServedModel, format: ImageOutputFormat, into w: inout JSONWriter) {
        w.raw("{\"images\":")
        images.withUnsafeBufferPointer { payload(model).write($0.baseAddress!, count: count, format: format, into: &w) }
    }

    func writeRows(_ values: [Float], width: Int, into w: inout JSONWriter) {
        w.raw("[")
        values.withUnsafeBufferPointer { buffer in
            for row in 0..<(values.count / max(width, 1)) {
                if row > 0 { w.raw(",") }
                w.floats(UnsafeBufferPointer(rebasing: buffer[(row * width)..<((row + 1) * width)]))
            }
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
        w.string(ISO8601DateFormatter().string(from: model.loadedAt))
        w.raw("}")
    }
}

@available(*, unavailable)
extension MethodHandler: Sendable {}

private extension Float {
    var exponential: Float { Float(Foundation.exp(Double(self))) }
}
