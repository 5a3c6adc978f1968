/// A JSON value as parsed, keeping what a round trip needs: object member order and each number's exact text.
///
/// Numbers keep their source text so that a JSON-RPC id such as `12345678901234567890` is echoed exactly,
/// whatever a Double would make of it.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    /// Members in source order; keys are unique (the parser refuses duplicates).
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// The member called `key`, if this is an object that has one.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let n) = self { return n.double }
        return nil
    }

    /// The value as an exact integer, if it is a number with an integral value that fits.
    public var integerValue: Int? {
        if case .number(let n) = self { return n.integer }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: [(key: String, value: JSONValue)]? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var isNull: Bool { self == .null }
}

/// A JSON number: its exact source text and its value as a Double (finite: the parser refuses overflow).
public struct JSONNumber: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let double: Double

    public init(text: String, double: Double) {
        self.text = text
        self.double = double
    }

    public init(_ value: Int) {
        text = String(value)
        double = Double(value)
    }

    /// The value as an Int when it is integral and exactly representable.
    public var integer: Int? {
        if let exact = Int(text) { return exact }
        guard double.rounded() == double, abs(double) < 9.007_199_254_740_992e15 else { return nil }
        return Int(double)
    }

    public var description: String { text }
}
