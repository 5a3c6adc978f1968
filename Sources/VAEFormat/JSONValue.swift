/// A JSON document as the strict metadata parser reads it, order and number spelling kept.
///
/// Objects are member lists, not dictionaries: keys are compared byte for byte (as the spec and Python do), while
/// Swift's `String` equality would treat canonically equivalent keys such as "é" and "e\u{301}" as one.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The member called `key` of an object (byte-for-byte key match); nil for other values.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    /// An object's members; nil for other values.
    public var members: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// An object with `value` under `key`, replacing a member of that key in place or appending a new one.
    public func setting(_ key: String, to value: JSONValue) -> JSONValue {
        var members = self.members ?? []
        if let i = members.firstIndex(where: { $0.key.utf8.elementsEqual(key.utf8) }) {
            members[i].value = value
        } else {
            members.append(JSONMember(key: key, value: value))
        }
        return .object(members)
    }
}

/// One key and value of a JSON object.
public struct JSONMember: Sendable, Hashable {
    public var key: String
    public var value: JSONValue

    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// A finite JSON number: its binary64 value, and for an integer literal (no fraction, no exponent) its digits.
///
/// The digits are kept because Python, the reference writer, keeps integers exact and prints them back digit for
/// digit, while `10.0` stays a float and prints as `10.0`; canonical output follows the same split.
public struct JSONNumber: Sendable, Hashable {
    /// The value as a binary64 (what the spec's type rules are stated in).
    public let value: Double
    /// The literal's digits when it was written as an integer, such as `"-12"`; nil for `1.5`, `10.0` or `1e1`.
    public let integerLiteral: String?

    /// A number parsed from JSON text; `value` must be finite.
    init(value: Double, integerLiteral: String?) {
        self.value = value
        self.integerLiteral = integerLiteral
    }

    /// A float, written back in Python's shortest round-trip form (`0.001`, `10.0`, `1e-05`).
    public init(_ value: Double) {
        precondition(value.isFinite, "JSON numbers are finite")
        self.init(value: value, integerLiteral: nil)
    }

    /// An integer, written back as its digits.
    public init(_ value: Int) {
        self.init(value: Double(value), integerLiteral: String(value))
    }

    /// The spec's "integer": integral and with absolute value at most 2^53−1, so every language reads it the same.
    public var isInteger: Bool {
        value == value.rounded(.towardZero) && abs(value) <= 9_007_199_254_740_991
    }

    /// The value as an `Int` when it is an integer in the spec's sense.
    public var intValue: Int? { isInteger ? Int(value) : nil }
}
