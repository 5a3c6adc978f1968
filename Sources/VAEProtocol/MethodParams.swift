import VAEJSON

// The params of the methods that take any (Formats/protocol.md section 4), as typed values shared by both ends:
// a client builds one and sends `json`; the server reads it back with `init(_:)`, which throws the `RPCError` the
// protocol gives for each bad member. Checks that need the model (image sizes, code lengths, limits) come after,
// on the server.

/// `encode`: images (or a table model's rows) → latent codes.
public struct EncodeParams: Sendable, Equatable {
    public var model: String?
    /// The image items, as `ImagePayload` reads them (arrays, `{"u8": …}` or `{"png": …}`); empty when `rows` is
    /// set.
    public var images: [JSONValue]
    /// A table model's rows, as `TablePayload` reads them; nil when `images` is set.
    public var rows: [JSONValue]?
    /// Draw z around mu instead of answering mu.
    public var sample: Bool?
    public var seed: UInt64?

    public init(model: String? = nil, images: [JSONValue], sample: Bool? = nil, seed: UInt64? = nil) {
        self.model = model
        self.images = images
        self.sample = sample
        self.seed = seed
    }

    /// A table model's rows, each an array of its D numbers.
    public init(model: String? = nil, rows: [[Double]], sample: Bool? = nil, seed: UInt64? = nil) {
        self.init(model: model, images: [], sample: sample, seed: seed)
        self.rows = rows.map(JSONValue.numbers)
    }

    public init(_ params: Params) throws(RPCError) {
        self.init(model: try params.string("model"), images: [], sample: try params.bool("sample"),
                  seed: try params.seed())
        (images, rows) = try params.inputItems()
    }

    public var json: JSONValue {
        .members([("model", model.map(JSONValue.string)), ("images", rows == nil ? .array(images) : nil),
                  ("rows", rows.map(JSONValue.array)), ("sample", sample.map(JSONValue.bool)),
                  ("seed", seed.map(JSONValue.seed))])
    }
}

/// `decode`: latent codes → images.
public struct DecodeParams: Sendable, Equatable {
    public var model: String?
    /// The codes as sent: `Params.latentCodes` checks their length against the model.
    public var z: JSONValue
    public var output: ImageOutputFormat?

    public init(model: String? = nil, z: JSONValue, output: ImageOutputFormat? = nil) {
        self.model = model
        self.z = z
        self.output = output
    }

    /// Codes given as rows of numbers.
    public init(model: String? = nil, codes: [[Double]], output: ImageOutputFormat? = nil) {
        self.init(model: model, z: .array(codes.map { .array($0.map { .number(JSONNumber($0)) }) }), output: output)
    }

    public init(_ params: Params) throws(RPCError) {
        guard let z = params["z"] else { throw .invalidParams("params.z is required.") }
        self.init(model: try params.string("model"), z: z, output: try params.outputFormatIfGiven())
    }

    public var json: JSONValue {
        .members([("model", model.map(JSONValue.string)), ("z", z), ("output", output.map { .string($0.rawValue) })])
    }
}

extension DecodeParams {
    /// The codes as `count × zDim` floats: `z` must be an array of at most `limit` arrays of `zDim` finite numbers.
    public func codes(zDim: Int, limit: Int) throws(RPCError) -> (values: [Float], count: Int) {
        let key = "z"
        guard case .array(let rows) = z, !rows.isEmpty else {
            throw .invalidParams("params.\(key) must be a non-empty array of latent codes.")
        }
        guard rows.count <= limit else { throw .tooLarge("params.\(key)", count: rows.count, limit: limit) }
        var values = [Float]()
        values.reserveCapacity(rows.count * zDim)
        for (index, row) in rows.enumerated() {
            guard case .array(let numbers) = row, numbers.count == zDim else {
                throw .shapeMismatch("latent code", expected: [zDim], got: [row.arrayValue?.count ?? 0], index: index)
            }
            for number in numbers {
                guard let d = number.doubleValue, Float(d).isFinite else {
                    throw .invalidValue("latent code \(index) holds a value that is not a finite number.")
                }
                values.append(Float(d))
            }
        }
        return (values, rows.count)
    }
}

/// `sample`: new images from codes drawn around the model's sampling distribution.
public struct SampleParams: Sendable, Equatable {
    public var model: String?
    public var count: Int
    public var temperature: Double?
    /// Drawn by the server when nil, and answered.
    public var seed: UInt64?
    /// The first code's index of the seed (so a large sample splits into requests).
    public var start: Int?
    public var output: ImageOutputFormat?

    public init(model: String? = nil, count: Int, temperature: Double? = nil, seed: UInt64? = nil, start: Int? = nil,
                output: ImageOutputFormat? = nil) {
        self.model = model
        self.count = count
        self.temperature = temperature
        self.seed = seed
        self.start = start
        self.output = output
    }

    public init(_ params: Params) throws(RPCError) {
        guard let count = try params.integer("count", in: 1...Int.max) else { throw .invalidParams("params.count is required.") }
        let temperature = try params.number("temperature")
        if let temperature {
            // The engine samples in Float: a tiny positive Double such as 1e-300 rounds to 0 there.
            guard temperature.isFinite, Float(temperature).isFinite, Float(temperature) > 0 else {
                throw .invalidValue("params.temperature must be a finite number above 0 that a 32-bit float holds "
                                    + "(at least about 1.4e-45; got \(temperature)).")
            }
        }
        self.init(model: try params.string("model"), count: count, temperature: temperature, seed: try params.seed(),
                  start: try params.integer("start", in: 0...(1 << 53)), output: try params.outputFormatIfGiven())
    }

    public var json: JSONValue {
        .members([("model", model.map(JSONValue.string)), ("count", .number(JSONNumber(count))),
                  ("temperature", temperature.map { .number(JSONNumber($0)) }), ("seed", seed.map(JSONValue.seed)),
                  ("start", start.map { .number(JSONNumber($0)) }), ("output", output.map { .string($0.rawValue) })])
    }
}

/// `denoise`: images (or a table model's rows) → mu → decoded images (rows).
public struct DenoiseParams: Sendable, Equatable {
    public var model: String?
    /// Empty when `rows` is set.
    public var images: [JSONValue]
    /// A table model's rows; nil when `images` is set.
    public var rows: [JSONValue]?
    public var output: ImageOutputFormat?

    public init(model: String? = nil, images: [JSONValue], output: ImageOutputFormat? = nil) {
        self.model = model
        self.images = images
        self.output = output
    }

    /// A table model's rows, each an array of its D numbers.
    public init(model: String? = nil, rows: [[Double]]) {
        self.init(model: model, images: [])
        self.rows = rows.map(JSONValue.numbers)
    }

    public init(_ params: Params) throws(RPCError) {
        self.init(model: try params.string("model"), images: [], output: try params.outputFormatIfGiven())
        (images, rows) = try params.inputItems()
    }

    public var json: JSONValue {
        .members([("model", model.map(JSONValue.string)), ("images", rows == nil ? .array(images) : nil),
                  ("rows", rows.map(JSONValue.array)), ("output", output.map { .string($0.rawValue) })])
    }
}

/// `stats`: the daemon's counters as JSON members or as Prometheus text.
public struct StatsParams: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable {
        case json
        case prometheus
    }

    public var format: Format?

    public init(format: Format? = nil) {
        self.format = format
    }

    public init(_ params: Params) throws(RPCError) {
        guard let name = try params.string("format") else { return }
        guard let format = Format(rawValue: name) else {
            throw .invalidParams("params.format must be \"json\" or \"prometheus\" (got \"\(name)\").")
        }
        self.format = format
    }

    public var json: JSONValue { .members([("format", format.map { .string($0.rawValue) })]) }
}

extension Params {
    /// `images`: a non-empty array of image items (each read later, against the model's size).
    func imageItems() throws(RPCError) -> [JSONValue] { try ImagePayload.imageItems(members["images"]) }

    /// `images` or (a table model's) `rows`, exactly one of them: a non-empty array, each item read later against
    /// the model. Returns the images (empty when rows were given) and the rows (nil when images were).
    func inputItems() throws(RPCError) -> (images: [JSONValue], rows: [JSONValue]?) {
        let rows = members["rows"].flatMap { $0.isNull ? nil : $0 }
        guard let rows else { return (try imageItems(), nil) }
        if let images = members["images"], !images.isNull {
            throw .invalidParams("give params.images or params.rows, not both.")
        }
        guard case .array(let items) = rows, !items.isEmpty else {
            throw .invalidParams("params.rows must be a non-empty array of rows of numbers.")
        }
        return ([], items)
    }

    /// The `output` member when given.
    func outputFormatIfGiven() throws(RPCError) -> ImageOutputFormat? {
        guard let output = members["output"], !output.isNull else { return nil }
        return try outputFormat()
    }
}

extension JSONValue {
    /// An object of the members whose values are present, in order.
    static func members(_ members: [(String, JSONValue?)]) -> JSONValue {
        .object(members.compactMap { key, value in value.map { JSONMember(key: key, value: $0) } })
    }

    /// An array of numbers.
    static func numbers(_ values: [Double]) -> JSONValue { .array(values.map { .number(JSONNumber($0)) }) }

    /// A seed as its exact integer text (a double would round seeds above 2^53).
    static func seed(_ seed: UInt64) -> JSONValue { .number(JSONNumber(text: String(seed), double: Double(seed))) }
}
