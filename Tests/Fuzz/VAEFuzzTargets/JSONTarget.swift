import VAEJSON

extension FuzzTarget {
    /// The strict JSON parser (VAEJSON): what it accepts keeps its rules (valid UTF-8, depth within the limit,
    /// finite numbers) and survives a round trip: parse → write → parse gives the same value and the same text.
    static let json = FuzzTarget(name: "FuzzJSON", summary: "JSON parser and writer: depth, numbers, UTF-8, round trip") { data in
        var properties = Properties()
        let bytes = data.bindMemory(to: UInt8.self)
        let parser = JSONParser(maximumDepth: 16)
        guard let value = try? parser.parse(bytes) else { return properties.outcome }
        properties.accepted = true
        properties.expect(String(validating: bytes, as: UTF8.self) != nil, "accepted text that is not valid UTF-8")
        properties.expect(depth(of: value) <= parser.maximumDepth, "accepted nesting deeper than \(parser.maximumDepth)")
        properties.expect(numbersAreFinite(value), "accepted a number that is not finite as a Double")
        var writer = JSONWriter()
        writer.value(value)
        let written = writer.bytes
        guard let again = try? parser.parse(written) else {
            properties.fail("its own output does not parse: \(String(decoding: written, as: UTF8.self).prefix(200))")
            return properties.outcome
        }
        properties.expect(again == value, "parse → write → parse changed the value")
        var rewriter = JSONWriter()
        rewriter.value(again)
        properties.expect(rewriter.bytes == written, "writing the value twice gave different text")
        return properties.outcome
    }

    /// Arrays and objects enclosing one another at the deepest point; a scalar is at depth 0.
    static func depth(of value: JSONValue) -> Int {
        switch value {
        case .array(let elements): 1 + (elements.map(depth).max() ?? 0)
        case .object(let members): 1 + (members.map { depth(of: $0.value) }.max() ?? 0)
        default: 0
        }
    }

    static func numbersAreFinite(_ value: JSONValue) -> Bool {
        switch value {
        case .number: value.doubleValue?.isFinite ?? false
        case .array(let elements): elements.allSatisfy(numbersAreFinite)
        case .object(let members): members.allSatisfy { numbersAreFinite($0.value) }
        default: true
        }
    }
}
