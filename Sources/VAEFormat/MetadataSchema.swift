import VAEJSON

/// Step 15 of Formats/vaez.md: the required metadata keys and their types (section 6.1), then the cross-field
/// rules. Checked depth first in the spec's order, so the first failure named is the same as the reference reader's.
enum MetadataSchema {
    /// A required key's rule: a nested object, or a leaf test with the expected type for the message.
    indirect enum Node: Sendable {
        case object([(String, Node)])
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
    }

    private static func check(_ value: JSONValue, against schema: [(String, Node)], prefix: String) throws(VAEZError) {
        for (key, node) in schema {
            let path = prefix + key
            guard let child = value[key] else { throw VAEZError(.metadataInvalid, "\(path): required key is missing") }
            switch node {
            case .object(let members):
                guard case .object = child else {
                    throw VAEZError(.metadataInvalid, "\(path): expected an object, found \(summary(child))")
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
