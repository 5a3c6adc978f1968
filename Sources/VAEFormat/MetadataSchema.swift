import VAEJSON

/// Step 15 of Formats/vaez.md: the required metadata keys and their types (section 6.1), then the cross-field
/// rules. Checked depth first in the spec's order, so the first failure named is the same as the reference reader's.
enum MetadataSchema {
    /// A key's rule: a nested object, or a leaf test with the expected type for the message.
    indirect enum Node: Sendable {
        /// A required object.
        case object([(String, Node)])
        /// An object that may be absent (a key a minor version added); its own keys are required when it is there.
        case optionalObject([(String, Node)])
        /// An object or null.
        case nullableObject([(String, Node)])
        case leaf(@Sendable (JSONValue) -> Bool, String)
    }

    static let largestSize = 2_147_483_647  // 2^31 − 1: every shape product then fits in a signed 64-bit integer

    /// The deepest nesting of arrays and objects the metadata may have (section 6.1); the top level is depth 1.
    static let maximumDepth = 64

    static let root: [(String, Node)] = [
        (
            "architecture",
            .object([
                ("kind", .leaf({ $0 == .string("vae") || $0 == .string("ae") }, #""vae" or "ae""#)),
                (
                    "input",
                    .object([
                        ("height", .leaf(isSize, "integer in 1…2^31−1")),
                        ("width", .leaf(isSize, "integer in 1…2^31−1")),
                        ("channels", .leaf(isSize, "integer in 1…2^31−1")),
                    ])
                ),
                ("hidden", .leaf({ isArray($0, of: isSize) }, "array of integers in 1…2^31−1")),
                ("z_dim", .leaf(isSize, "integer in 1…2^31−1")),
                ("activation", .leaf(isString, "string")),
                ("output_activation", .leaf(isString, "string")),
            ])
        ),
        (
            "training",
            .object([
                (
                    "dataset",
                    .object([
                        ("name", .leaf(nullable(isString), "string or null")),
                        ("sha256", .leaf(nullable(isString), "string or null")),
                        ("source", .optionalObject(source)),
                    ])
                ),
                ("class", .leaf(nullable(isInteger), "integer or null")),
                ("noise", .leaf(nullable(isNumber), "number or null")),
                ("epochs", .leaf(nullable(isInteger), "integer or null")),
                ("batch_size", .leaf(nullable(isInteger), "integer or null")),
                ("lr", .leaf(nullable(isNumber), "number or null")),
                ("seed", .leaf(nullable(isInteger), "integer or null")),
                ("final_train_loss", .leaf(nullable(isNumber), "number or null")),
                ("final_test_loss", .leaf(nullable(isNumber), "number or null")),
                ("seconds", .leaf(nullable(isNumber), "number or null")),
                ("threads", .leaf(nullable(isInteger), "integer or null")),
            ])
        ),
        (
            "latent",
            .object([
                ("mean", .leaf({ isArray($0, of: isNumber) }, "array of z_dim numbers")),
                ("std", .leaf({ isArray($0, of: isNumber) }, "array of z_dim numbers")),
            ])
        ),
        (
            "producer",
            .object([
                ("name", .leaf(isString, "string")),
                ("version", .leaf(isString, "string")),
                ("git_commit", .leaf(nullable(isString), "string or null")),
            ])
        ),
        (
            "created",
            .leaf(
                { if case .string(let text) = $0 { CreatedTime.isValid(text) } else { false } },
                #"RFC 3339 UTC time "YYYY-MM-DDTHH:MM:SSZ""#)
        ),
        ("data", .optionalObject(data)),
    ]

    /// `training.dataset.source` (1.1): provenance, only the types are checked.
    static let source: [(String, Node)] = [
        ("format", .leaf(isString, "string")),
        ("path", .leaf(isString, "string")),
        ("test_path", .leaf(nullable(isString), "string or null")),
        ("test_fraction", .leaf(nullable(isNumber), "number or null")),
        ("split_seed", .leaf(nullable(isInteger), "integer or null")),
        ("label_column", .leaf(nullable(isString), "string or null")),
        (
            "resize",
            .leaf(
                nullable { isArray($0, of: isSize) && $0.arrayValue!.count == 2 },
                "[height, width] of integers in 1…2^31−1 or null")
        ),
        ("channels", .leaf(nullable(isInteger), "integer or null")),
    ]

    /// `data` (1.1): what the model's values are (section 6.1.1).
    static let data: [(String, Node)] = [
        ("kind", .leaf(isOneOf(DataDescription.Kind.allCases.map(\.rawValue)), #""image" or "table""#)),
        (
            "likelihood",
            .leaf(isOneOf(DataDescription.Likelihood.allCases.map(\.rawValue)), #""bernoulli" or "gaussian""#)
        ),
        ("variance", .leaf(nullable(isPositive), "number > 0 or null")),
        (
            "normalisation",
            .nullableObject([
                ("mean", .leaf({ isArray($0, of: isNumber) }, "array of numbers")),
                ("std", .leaf({ isArray($0, of: isPositive) }, "array of numbers > 0")),
            ])
        ),
        ("features", .leaf(nullable { isArray($0, of: isString) }, "array of strings or null")),
        (
            "classes",
            .leaf(
                nullable { isArray($0, of: isString) && $0.arrayValue!.count <= DataDescription.maximumClasses },
                "array of at most \(DataDescription.maximumClasses) strings or null")
        ),
    ]

    /// Checks a parsed metadata document (already known to be an object).
    static func check(_ document: JSONValue) throws(VAEZError) {
        try check(document, against: root, prefix: "")
        let input = document["architecture"]!["input"]!
        let dims = ["height", "width", "channels"].map { input[$0]!.number!.intValue! }
        let (area, overflow1) = dims[0].multipliedReportingOverflow(by: dims[1])
        let (volume, overflow2) = area.multipliedReportingOverflow(by: dims[2])
        guard !overflow1, !overflow2, volume <= largestSize else {
            throw VAEZError(.metadataInvalid, "architecture.input: height × width × channels is above 2^31−1")
        }
        let zDim = document["architecture"]!["z_dim"]!.number!.intValue!
        for key in ["mean", "std"] {
            let count = document["latent"]![key]!.arrayValue!.count
            guard count == zDim else {
                throw VAEZError(.metadataInvalid, "latent.\(key): has \(count) values, z_dim is \(zDim)")
            }
        }
        if let data = document["data"] {
            try checkData(data, architecture: document["architecture"]!, dims: dims)
        }
    }

    /// The cross-field rules of `data` (section 6.1, rules 4–9), on a document whose types are checked. The messages
    /// are the reference reader's, word for word.
    private static func checkData(_ data: JSONValue, architecture: JSONValue, dims: [Int]) throws(VAEZError) {
        let (height, width, channels) = (dims[0], dims[1], dims[2])
        if isText(data["kind"]!, DataDescription.Kind.table.rawValue), height != 1 || channels != 1 {
            throw VAEZError(
                .metadataInvalid,
                "data.kind: a table needs architecture.input height 1 and channels 1, found "
                    + "\(height)x\(width)x\(channels)")
        }
        let likelihood = DataDescription.Likelihood(rawValue: data["likelihood"]!.stringValue!)!
        let (activation, wanted) = (architecture["output_activation"]!, likelihood.outputActivation)
        guard isText(activation, wanted) else {
            throw VAEZError(
                .metadataInvalid,
                #"data.likelihood: "\#(likelihood.rawValue)" needs architecture.output_activation "\#(wanted)", "#
                    + "found \(summary(activation))")
        }
        let variance = data["variance"]!
        if likelihood == .gaussian, variance == .null {
            throw VAEZError(.metadataInvalid, "data.variance: a gaussian likelihood needs a variance, found null")
        }
        if likelihood == .bernoulli, variance != .null {
            throw VAEZError(
                .metadataInvalid,
                "data.variance: a bernoulli likelihood has no variance (null), found \(summary(variance))")
        }
        let size = height * width * channels
        let normalisation = data["normalisation"]!
        var lists = [("features", data["features"]!)]
        if normalisation != .null {
            lists.insert(("normalisation.std", normalisation["std"]!), at: 0)
            lists.insert(("normalisation.mean", normalisation["mean"]!), at: 0)
        }
        for (key, values) in lists {
            guard let count = values.arrayValue?.count, count != size else { continue }
            throw VAEZError(
                .metadataInvalid,
                "data.\(key): has \(count) values, the input has \(size) (height x width x channels)")
        }
    }

    private static func check(_ value: JSONValue, against schema: [(String, Node)], prefix: String) throws(VAEZError) {
        for (key, node) in schema {
            let path = prefix + key
            guard let child = value[key] else {
                if case .optionalObject = node { continue }
                throw VAEZError(.metadataInvalid, "\(path): required key is missing")
            }
            switch node {
            case .object(let members), .optionalObject(let members):
                guard case .object = child else {
                    throw VAEZError(.metadataInvalid, "\(path): expected an object, found \(summary(child))")
                }
                try check(child, against: members, prefix: path + ".")
            case .nullableObject(let members):
                if child == .null { continue }
                guard case .object = child else {
                    throw VAEZError(.metadataInvalid, "\(path): expected an object or null, found \(summary(child))")
                }
                try check(child, against: members, prefix: path + ".")
            case .leaf(let test, let expected):
                guard test(child) else {
                    throw VAEZError(.metadataInvalid, "\(path): expected \(expected), found \(summary(child))")
                }
            }
        }
    }

    // The spec's types (section 6.1). Booleans are never numbers.
    @Sendable static func isNumber(_ value: JSONValue) -> Bool { value.number != nil }
    @Sendable static func isInteger(_ value: JSONValue) -> Bool { value.number?.isInteger == true }
    @Sendable static func isString(_ value: JSONValue) -> Bool { if case .string = value { true } else { false } }
    @Sendable static func isPositive(_ value: JSONValue) -> Bool { (value.number?.double ?? 0) > 0 }

    /// Whether `value` is the string `text`, byte for byte (Swift's `==` would also match canonical equivalents).
    static func isText(_ value: JSONValue, _ text: String) -> Bool {
        value.stringValue?.utf8.elementsEqual(text.utf8) ?? false
    }

    static func isOneOf(_ names: [String]) -> @Sendable (JSONValue) -> Bool {
        { value in names.contains { isText(value, $0) } }
    }

    @Sendable static func isSize(_ value: JSONValue) -> Bool {
        guard let number = value.number, number.isInteger else { return false }
        return number.double >= 1 && number.double <= Double(largestSize)
    }

    static func nullable(_ test: @escaping @Sendable (JSONValue) -> Bool) -> @Sendable (JSONValue) -> Bool {
        { $0 == .null || test($0) }
    }

    static func isArray(_ value: JSONValue, of test: (JSONValue) -> Bool) -> Bool {
        guard case .array(let elements) = value else { return false }
        return elements.allSatisfy(test)
    }

    /// A short rendering of a value for messages.
    static func summary(_ value: JSONValue) -> String {
        let text = String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
        return text.count <= 60 ? text : text.prefix(57) + "..."
    }
}
