import VAEJSON
import VAENumerics
import VAEProtocol
import VAEServing

/// Writes the engine's results as protocol v1 result values (Formats/protocol.md), straight into bytes.
struct ResultWriter {
    /// The transport's own limit, announced by `hello` beside the engine's.
    let maxLineBytes: Int
    /// Writes the `stats` method's prometheus format.
    let statistics: ServingStatistics

    func write(_ result: ServingResult, for call: RPCCall, into w: inout JSONWriter) {
        switch result {
        case .hello(let server):
            w.raw("{\"protocol\":\(protocolVersion),\"server\":")
            w.string("vaed \(server.version)")
            w.raw(",\"limits\":{\"max_line_bytes\":\(maxLineBytes),\"max_batch\":\(server.limits.maxBatch)},\"models\":")
            w.value(.array(server.modelNames.map { .string($0) }))
            w.raw(",\"gemm\":")
            server.gemm.write(into: &w)
            w.raw("}")
        case .models(let models):
            w.raw("{\"models\":[")
            for (i, model) in models.enumerated() {
                if i > 0 { w.raw(",") }
                writeDescription(model, into: &w)
            }
            w.raw("]}")
        case .health(let draining):
            w.raw(draining ? "{\"status\":\"draining\"}" : "{\"status\":\"ok\"}")
        case .stats(let snapshot):
            if call.prometheus {
                w.raw("{\"text\":")
                w.string(statistics.prometheusExposition())
                w.raw("}")
            } else {
                snapshot.write(into: &w)
            }
        case .reload(let report):
            w.raw("{\"models\":")
            w.value(report.actionsJSON)
            w.raw("}")
        case .encoding(let encoding):
            writeEncoding(encoding, into: &w)
        case .images(let images):
            writeImages(images, call: call, into: &w)
        }
    }

    /// `{"z":…,"mu":…,"logvar":…}` (no logvar for an AE).
    private func writeEncoding(_ e: Encoding, into w: inout JSONWriter) {
        w.raw("{\"z\":")
        writeRows(e.z, width: e.zDim, into: &w)
        if let logvar = e.logvar {
            w.raw(",\"mu\":")
            writeRows(e.mu, width: e.zDim, into: &w)
            w.raw(",\"logvar\":")
            writeRows(logvar, width: e.zDim, into: &w)
        }
        w.raw("}")
    }

    /// `{"images":[…]}` (`{"rows":[…]}` for a table model), and for a sample `"z"`, `"seed"` and the `"start"`
    /// asked for.
    private func writeImages(_ images: GeneratedImages, call: RPCCall, into w: inout JSONWriter) {
        if let model = call.request.model, model.data.kind == .table {
            // A table model's answers are kept as floats: its output format is always array.
            w.raw("{\"rows\":")
            model.tablePayload.write(UnsafePointer(images.pixels.floats.baseAddress!), count: images.count, into: &w)
        } else {
            w.raw("{\"images\":")
            writeImageArray(images, call: call, into: &w)
        }
        if let seed = call.seed {
            w.raw(",\"z\":")
            writeRows(images.codes, width: images.zDim, into: &w)
            w.raw(",\"seed\":\(seed)")
            if let start = call.start { w.raw(",\"start\":\(start)") }
        }
        w.raw("}")
    }

    private func writeImageArray(_ images: GeneratedImages, call: RPCCall, into w: inout JSONWriter) {
        let shape = images.shape
        let payload = ImagePayload(height: shape.height, width: shape.width, channels: shape.channels)
        switch images.pixels.storage {
        case .bytes:
            payload.write(bytes: UnsafePointer(images.pixels.bytes.baseAddress!), count: images.count,
                          format: call.imageFormat, into: &w)
        case .floats:
            payload.write(UnsafePointer(images.pixels.floats.baseAddress!), count: images.count,
                          format: call.imageFormat, into: &w)
        }
    }

    private func writeRows(_ values: [Float], width: Int, into w: inout JSONWriter) {
        w.raw("[")
        values.withUnsafeBufferPointer { values in
            for row in 0..<(values.count / max(width, 1)) {
                if row > 0 { w.raw(",") }
                w.floats(UnsafeBufferPointer(rebasing: values[(row * width)..<((row + 1) * width)]))
            }
        }
        w.raw("]")
    }

    private func writeDescription(_ model: ServedModel, into w: inout JSONWriter) {
        let a = model.architecture
        w.raw("{\"name\":")
        w.string(model.name)
        w.raw(",\"kind\":\"\(a.kind.rawValue)\",\"z_dim\":\(a.zDim),\"image\":{\"height\":\(a.input.height),")
        w.raw("\"width\":\(a.input.width),\"channels\":\(a.input.channels)},\"data\":")
        w.value(model.data.json)
        w.raw(",")
        w.raw("\"hidden\":[\(a.hidden.map(String.init).joined(separator: ","))],\"dataset\":")
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

extension ServedData {
    /// `{"kind","likelihood","normalised","features"}`, as `models` describes a model's values.
    var json: JSONValue {
        .object([
            JSONMember(key: "kind", value: .string(kind.rawValue)),
            JSONMember(key: "likelihood", value: .string(likelihood.rawValue)),
            JSONMember(key: "normalised", value: .bool(normalisation != nil)),
            JSONMember(key: "features", value: features.map { .array($0.map(JSONValue.string)) } ?? .null),
        ])
    }
}

extension ServingStatistics.Snapshot {
    /// The `stats` result's JSON members (Formats/protocol.md).
    func write(into w: inout JSONWriter) {
        func counts(_ counts: [String: Int]) -> JSONValue {
            .object(counts.keys.sorted().map { JSONMember(key: $0, value: .number(JSONNumber(counts[$0]!))) })
        }
        func buckets(_ values: [Int]) -> JSONValue {
            .object(zip(ServingStatistics.sizeBuckets, values).map { JSONMember(key: $0.label, value: .number(JSONNumber($1))) })
        }
        w.raw("{\"uptime_seconds\":")
        w.double((uptimeSeconds * 10).rounded() / 10)
        w.raw(",\"gemm\":")
        gemm.write(into: &w)
        w.raw(",\"connections\":\(connections),\"refused_connections\":\(refusedConnections),")
        w.raw("\"in_flight\":\(inFlight),\"queue_depth\":\(queuedRows.values.reduce(0, +)),\"queued_rows\":")
        w.value(counts(queuedRows))
        w.raw(",\"requests\":")
        w.value(counts(requests))
        w.raw(",\"errors\":")
        w.value(counts(errors))
        w.raw(",\"by_model\":")
        w.value(.object(modelRequests.keys.sorted().map { model in
            JSONMember(key: model, value: .object([
                JSONMember(key: "requests", value: .number(JSONNumber(modelRequests[model] ?? 0))),
                JSONMember(key: "errors", value: .number(JSONNumber(modelErrors[model] ?? 0))),
            ]))
        }))
        w.raw(",\"latency_us\":{")
        for (i, q) in latency.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("\"\(q.name)\":")
            w.double(q.microseconds)
        }
        w.raw("},\"request_rows\":")
        w.value(buckets(requestRows))
        w.raw(",\"batch_sizes\":")
        w.value(buckets(batchSizes))
        w.raw("}")
    }
}

extension ModelCatalog.Report {
    /// `[{"name","action"}]`, as `reload` answers and `reload_failed` carries in data.models.
    var actionsJSON: JSONValue {
        .array(actions.map {
            .object([JSONMember(key: "name", value: .string($0.name)),
                     JSONMember(key: "action", value: .string($0.action.rawValue))])
        })
    }
}

extension GEMMKernels {
    /// `{"library","version","isa","cpu_isa"}`, as `hello` and `stats` report it.
    func write(into w: inout JSONWriter) {
        w.value(.object([
            JSONMember(key: "library", value: .string(library)), JSONMember(key: "version", value: .string(version)),
            JSONMember(key: "isa", value: .string(instructionSet)),
            JSONMember(key: "cpu_isa", value: .string(cpuInstructionSet)),
        ]))
    }
}
