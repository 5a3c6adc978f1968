import VAEJSON

/// What `hello` tells: the protocol version, the server, its limits and the loaded models' names.
public struct ServerHello: Sendable, Equatable {
    public let protocolVersion: Int
    public let server: String
    public let maxLineBytes: Int
    public let maxBatch: Int
    public let models: [String]
    /// "oneDNN 2.6.3, avx512_core_bf16 kernels (best for this CPU)", or "(weaker than this CPU's …)", when the
    /// daemon reports its GEMM (the words `vae --version` uses).
    public let gemm: String?

    /// A `gemm` member of `hello` or `stats` in the words `vae --version` uses, or nil when it is missing.
    package static func describeGEMM(_ gemm: JSONValue?) -> String? {
        guard let gemm, let library = gemm["library"]?.stringValue, let version = gemm["version"]?.stringValue,
            let isa = gemm["isa"]?.stringValue, let cpuISA = gemm["cpu_isa"]?.stringValue
        else { return nil }
        let verdict = isa == cpuISA ? "best for this CPU" : "weaker than this CPU's \(cpuISA)"
        return "\(library) \(version), \(isa) kernels (\(verdict))"
    }

    /// Reads a `hello` result.
    /// - Throws: `ConnectionError.badResponse` when a member is missing or mistyped.
    public init(result: JSONValue, path: String) throws(ConnectionError) {
        guard let version = result["protocol"]?.integerValue, let server = result["server"]?.stringValue,
            let maxLineBytes = result["limits"]?["max_line_bytes"]?.integerValue,
            let maxBatch = result["limits"]?["max_batch"]?.integerValue, maxBatch >= 1,
            let models = result["models"]?.arrayValue?.compactMap(\.stringValue)
        else {
            throw ConnectionError(
                .badResponse, path: path, "the daemon's hello result lacks protocol, server, limits or models")
        }
        protocolVersion = version
        self.server = server
        self.maxLineBytes = maxLineBytes
        self.maxBatch = maxBatch
        self.models = models
        gemm = Self.describeGEMM(result["gemm"])
    }
}

/// One entry of the `models` result: what a client needs to prepare inputs for the model.
public struct ModelDescription: Sendable, Equatable {
    public let name: String
    /// `vae` or `ae`.
    public let kind: String
    public let zDim: Int
    public let height: Int
    public let width: Int
    public let channels: Int
    /// Whether the model reads rows of numbers (`data.kind` "table") rather than images; false from older daemons.
    public let isTable: Bool
    /// A table model's column names, when its file records them.
    public let features: [String]?
    /// The whole entry as the daemon sent it.
    public let json: JSONValue

    /// Reads one `models` entry.
    /// - Throws: `ConnectionError.badResponse` when a member is missing or mistyped.
    public init(json: JSONValue, path: String) throws(ConnectionError) {
        guard let name = json["name"]?.stringValue, let kind = json["kind"]?.stringValue,
            let zDim = json["z_dim"]?.integerValue, let height = json["image"]?["height"]?.integerValue,
            let width = json["image"]?["width"]?.integerValue, height >= 1, width >= 1
        else { throw ConnectionError(.badResponse, path: path, "a models entry lacks name, kind, z_dim or image size") }
        self.name = name
        self.kind = kind
        self.zDim = zDim
        self.height = height
        self.width = width
        channels = json["image"]?["channels"]?.integerValue ?? 1
        isTable = json["data"]?["kind"]?.stringValue == "table"
        features = json["data"]?["features"]?.arrayValue?.compactMap(\.stringValue)
        self.json = json
    }

    /// Reads a whole `models` result.
    public static func list(result: JSONValue, path: String) throws(ConnectionError) -> [ModelDescription] {
        guard let entries = result["models"]?.arrayValue else {
            throw ConnectionError(.badResponse, path: path, "the daemon's models result has no models array")
        }
        var models: [ModelDescription] = []
        for entry in entries { models.append(try ModelDescription(json: entry, path: path)) }
        return models
    }
}
