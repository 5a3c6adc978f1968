/// Building values to write: reports, answers and records are built as `JSONValue`s and encoded once, never as
/// text pieced together, so every value is valid JSON whatever it holds.
extension JSONValue {
    /// An object with these members, in this order.
    public static func object(_ members: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(members.map { JSONMember(key: $0.key, value: $0.value) })
    }

    /// An integer, written as its digits.
    public static func int(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }

    /// An integer, or `null` when there is none.
    public static func int(_ value: Int?) -> JSONValue { value.map { .int($0) } ?? .null }

    /// A float in its shortest round-trip form, or `null` when it is nil, NaN or infinite (JSON has no NaN or
    /// infinity, so `null` stands for a figure that could not be computed).
    public static func double(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .number(JSONNumber(value))
    }

    /// A string, or `null` when there is none.
    public static func string(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }

    /// An array of strings.
    public static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }

    /// An array of floats, each as `double` writes it.
    public static func doubles(_ values: [Double]) -> JSONValue { .array(values.map { .double($0) }) }

    /// The value as compact JSON text on one line (`JSONWriter.value`).
    public var jsonText: String {
        var writer = JSONWriter(capacity: 256)
        writer.value(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
