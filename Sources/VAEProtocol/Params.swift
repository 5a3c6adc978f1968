import VAEJSON

/// Typed readers for request params, each throwing an `RPCError` that names the bad member.
public struct Params: Sendable {
    public let members: JSONValue

    public init(_ params: JSONValue?) {
        members = params ?? .object([])
    }

    public subscript(key: String) -> JSONValue? { members[key] }

    /// An optional string member.
    public func string(_ key: String) throws(RPCError) -> String? {
        guard let value = members[key], !value.isNull else { return nil }
        guard let s = value.stringValue else { throw .invalidParams("params.\(key) must be a string.") }
        return s
    }

    /// An optional boolean member.
    public func bool(_ key: String) throws(RPCError) -> Bool? {
        guard let value = members[key], !value.isNull else { return nil }
        guard let b = value.boolValue else { throw .invalidParams("params.\(key) must be true or false.") }
        return b
    }

    /// An optional integer member within `range`.
    public func integer(_ key: String, in range: ClosedRange<Int>) throws(RPCError) -> Int? {
        guard let value = members[key], !value.isNull else { return nil }
        guard let n = value.integerValue else { throw .invalidParams("params.\(key) must be an integer.") }
        guard range.contains(n) else {
            throw .invalidValue("params.\(key) is \(n), outside \(range.lowerBound)...\(range.upperBound).")
        }
        return n
    }

    /// An optional seed: an integer from 0 to 2^64 - 1, read from its exact text.
    public func seed(_ key: String = "seed") throws(RPCError) -> UInt64? {
        guard let value = members[key], !value.isNull else { return nil }
        guard case .number(let n) = value, let seed = UInt64(n.text) else {
            throw .invalidParams("params.\(key) must be an integer from 0 to 18446744073709551615.")
        }
        return seed
    }

    /// An optional finite number.
    public func number(_ key: String) throws(RPCError) -> Double? {
        guard let value = members[key], !value.isNull else { return nil }
        guard let d = value.doubleValue else { throw .invalidParams("params.\(key) must be a number.") }
        return d
    }

    /// The `output` member: array (default), u8 or png.
    public func outputFormat() throws(RPCError) -> ImageOutputFormat {
        guard let name = try string("output") else { return .array }
        guard let format = ImageOutputFormat(rawValue: name) else {
            throw .invalidParams("params.output must be \"array\", \"u8\" or \"png\" (got \"\(name)\").")
        }
        return format
    }
}
