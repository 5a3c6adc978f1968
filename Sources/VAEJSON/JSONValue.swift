/// A JSON value as parsed, keeping what a round trip needs: object member order and each number's exact text.
///
/// Objects are member lists, not dictionaries: keys are compared byte for byte (as RFC 8259, the .vaez spec and
/// Python do), while Swift's `String` equality would treat canonically equivalent keys such as "é" and "e\u{301}"
/// as one. Numbers keep their source text so that a JSON-RPC id such as `12345678901234567890` is echoed exactly,
/// whatever a Double would make of it.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    /// Members in source order; keys are unique byte for byte (the parser refuses duplicates).
    case object([JSONMember])

    /// The member called `key` (byte-for-byte key match), if this is an object that has one; nil for other values.
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
    ///
    /// A value that is not an object is treated as an empty object.
    public func setting(_ key: String, to value: JSONValue) -> JSONValue {
        var members = self.members ?? []
        if let i = members.firstIndex(where: { $0.key.utf8.elementsEqual(key.utf8) }) {
            members[i].value = value
        } else {
            members.append(JSONMember(key: key, value: value))
        }
        return .object(members)
    }

    /// The number, for `.number`; nil otherwise.
    public var number: JSONNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    /// The text, for `.string`; nil otherwise.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number's value as a Double, for `.number`; nil otherwise.
    public var doubleValue: Double? {
        if case .number(let n) = self { return n.double }
        return nil
    }

    /// The value as an exact integer, if it is a number with an integral value that fits (see `JSONNumber.integer`).
    public var integerValue: Int? {
        if case .number(let n) = self { return n.integer }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements, for `.array`; nil otherwise.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var isNull: Bool { self == .null }
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

/// A finite JSON number: its exact source text and its value as a binary64 (the parser refuses overflow).
///
/// The text is kept because a JSON-RPC id must be echoed digit for digit, and because Python, the .vaez reference
/// writer, keeps integer literals exact and prints them back as written, while `10.0` stays a float and prints as
/// `10.0`; canonical output follows the same split (see `integerLiteral`).
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number as written, such as `-12`, `0.1` or `1e-05`; valid JSON number syntax.
    public let text: String
    /// The value as a binary64 (what the .vaez spec's type rules are stated in).
    public let double: Double
    /// Whether `text` is an integer literal (no fraction, no exponent): known when the number is made, so that
    /// `integerLiteral` and `integer` need not scan the text again.
    private let isIntegerLiteral: Bool

    /// A number with the given spelling; `text` must be a JSON number whose value is `double`.
    public init(text: String, double: Double) {
        let utf8 = text.utf8
        self.init(text: text, double: double, isIntegerLiteral: !utf8.isEmpty && !utf8.contains {
            $0 == UInt8(ascii: ".") || ($0 | 0x20) == UInt8(ascii: "e")
        })
    }

    /// A number as the parser read it, `isIntegerLiteral` saying whether `text` has neither fraction nor exponent.
    init(text: String, double: Double, isIntegerLiteral: Bool) {
        self.text = text
        self.double = double
        self.isIntegerLiteral = isIntegerLiteral
    }

    /// An integer, written as its digits.
    public init(_ value: Int) {
        self.init(text: String(value), double: Double(value), isIntegerLiteral: true)
    }

    /// A float, written in its shortest round-trip form (`0.001`, `10.0`, `1e-05`); never an integer literal.
    public init(_ value: Double) {
        precondition(value.isFinite, "JSON numbers are finite")
        // Swift's description of a finite Double always has a '.' or an exponent, so it never reads as an integer.
        self.init(text: value.description, double: value, isIntegerLiteral: false)
    }

    /// The text when the number was written as an integer (no fraction, no exponent), such as `"-12"`; nil for
    /// `1.5`, `10.0` or `1e1`.
    public var integerLiteral: String? { isIntegerLiteral ? text : nil }

    /// The value of an integer literal when it fits an `Int64`, read exactly (`9007199254740993` too); nil for
    /// other numbers (`1.0`, `1e1`) and for literals out of range.
    public var int64: Int64? {
        guard isIntegerLiteral else { return nil }
        // An integer below 2^53 in magnitude is held exactly, so its Double is its value: no need to read digits.
        if abs(double) < 9.007_199_254_740_992e15 { return Int64(double) }
        return Int64(text)
    }

    /// The value of an integer literal when it fits a `UInt64`, read exactly; nil for other numbers, for negative
    /// literals (`-0` is 0, as `UInt64("-0")` reads it) and for literals out of range.
    public var uint64: UInt64? {
        guard isIntegerLiteral else { return nil }
        if double >= 0, double < 9.007_199_254_740_992e15 { return UInt64(double) }  // -0.0 >= 0 too
        return UInt64(text)
    }

    /// The .vaez spec's "integer": integral and with absolute value at most 2^53−1, so every language reads it the
    /// same (`10`, `10.0` and `1e1` all are; `9007199254740993` is not).
    public var isInteger: Bool {
        double == double.rounded(.towardZero) && abs(double) <= 9_007_199_254_740_991
    }

    /// The value as an `Int` when it is an integer in the .vaez spec's sense (`isInteger`).
    public var intValue: Int? { isInteger ? Int(double) : nil }

    /// The value as an Int when the text is an integer that fits exactly, or the value is integral and below 2^53.
    ///
    /// Unlike `intValue`, an integer literal such as `9007199254740993` is read exactly from its digits.
    public var integer: Int? {
        if let exact = int64 { return Int(exact) }
        guard double.rounded() == double, abs(double) < 9.007_199_254_740_992e15 else { return nil }
        return Int(double)
    }

    public var description: String { text }
}
