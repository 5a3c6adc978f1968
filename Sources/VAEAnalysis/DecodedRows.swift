import VAEData

/// A table model's analysis as numbers: decoded rows in the data's units, each with the values that say where it
/// comes from (a grid point, a sweep step, a test row). What a figure shows of an image model, a table model's
/// analysis writes as CSV, since its decodes are feature values, not pictures.
package struct DecodedRows: Sendable {
    /// The names of the leading columns, like `z0`, `z1` or `item`, `row`.
    package let keyColumns: [String]
    package let features: [String]
    /// One entry per row: its key values, then `features.count` values.
    package private(set) var rows: [(keys: [String], values: ArraySlice<Float>)] = []

    init(keyColumns: [String], features: [String]) {
        self.keyColumns = keyColumns
        self.features = features
    }

    /// Appends `values.count / features.count` rows, the i-th keyed by `keys(i)`.
    mutating func append(_ values: [Float], keys: (Int) -> [String]) {
        let d = features.count
        for i in 0..<(values.count / d) {
            rows.append((keys(i), values[(i * d)..<((i + 1) * d)]))
        }
    }

    /// The CSV text: a header, then one line per row, numbers in their shortest exact form.
    package var csv: String {
        var text = CSVText.line(keyColumns + features)
        for row in rows { text += CSVText.line(row.keys + row.values.map(\.description)) }
        return text
    }
}
