import VAEJSON

/// Decodes the rows of a table model's params and writes result rows: one row is `features` real numbers, in the
/// order of the model's columns (Formats/vaez.md section 6.1.1), before any normalisation.
public struct TablePayload: Sendable {
    /// D, the numbers in one row.
    public let features: Int
    /// The columns' names, for messages (nil: columns are named by index only).
    public let names: [String]?

    public init(features: Int, names: [String]? = nil) {
        precondition(names == nil || names!.count == features, "one name per column")
        self.features = features
        self.names = names
    }

    /// `params.rows`: a non-empty array of at most `limit` rows of `features` finite numbers.
    /// - Throws: `RPCError` of type invalid_params, shape_mismatch, invalid_value or too_large, naming the row and
    ///   the column.
    public func decode(rows value: JSONValue?, limit: Int) throws(RPCError) -> (values: [Float], count: Int) {
        guard let value else { throw .invalidParams("params.rows is required.") }
        guard case .array(let rows) = value, !rows.isEmpty else {
            throw .invalidParams("params.rows must be a non-empty array of rows of numbers.")
        }
        return try decode(rows, what: "row", key: "params.rows", limit: limit)
    }

    /// `params.images` sent to a table model: each item a flat array of `features` numbers (u8 and PNG are refused).
    public func decode(items: [JSONValue], limit: Int) throws(RPCError) -> (values: [Float], count: Int) {
        try decode(items, what: "image", key: "params.images", limit: limit)
    }

    func decode(_ rows: [JSONValue], what: String, key: String, limit: Int) throws(RPCError)
        -> (values: [Float], count: Int)
    {
        guard rows.count <= limit else { throw .tooLarge(key, count: rows.count, limit: limit) }
        var values = [Float]()
        values.reserveCapacity(rows.count * features)
        for (index, row) in rows.enumerated() {
            guard case .array(let numbers) = row else {
                if case .object = row {
                    throw .invalidParams("\(what) \(index): this is a table model, which takes rows of \(features) "
                                         + "numbers, not u8 or png images.")
                }
                throw .invalidParams("\(what) \(index) must be an array of \(features) numbers.")
            }
            guard numbers.count == features else {
                throw .shapeMismatch(what, expected: [features], got: [numbers.count], index: index)
            }
            for (column, number) in numbers.enumerated() {
                guard let v = number.doubleValue else {
                    throw .invalidValue("\(what) \(index), column \(columnName(column)): not a number.")
                }
                guard Float(v).isFinite else {
                    throw .invalidValue("\(what) \(index), column \(columnName(column)): \(v) is not a finite "
                                        + "32-bit number.")
                }
                values.append(Float(v))
            }
        }
        return (values, rows.count)
    }

    /// `2 ("humidity")`, or `2` without names.
    func columnName(_ column: Int) -> String {
        guard let names else { return "\(column)" }
        return "\(column) (\"\(names[column])\")"
    }

    /// Writes `count` rows of `features` floats as a JSON array of arrays (the values as they are).
    package func write(_ rows: UnsafePointer<Float>, count: Int, into writer: inout JSONWriter) {
        writer.byte(UInt8(ascii: "["))
        for index in 0..<count {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.floats(UnsafeBufferPointer(start: rows + index * features, count: features))
        }
        writer.byte(UInt8(ascii: "]"))
    }

    /// About how many bytes `write` produces for `count` rows (to size a buffer once).
    package func encodedSize(count: Int) -> Int { count * (features * 16 + 2) + 2 }
}
