import Foundation

/// CSV as RFC 4180 writes it, for every table the programs write (codes, decoded rows), and what every reader of
/// tables takes for a missing value.
package enum CSVText {
    /// Cells that mean "no value" (pandas' and R's spellings): refused as missing, not as text.
    package static let missingMarkers: Set<String> = [
        "", "NA", "N/A", "NaN", "nan", "NAN", "null", "NULL", "None", "none",
    ]

    /// A field quoted, with its quotes doubled, when it holds a comma, a quote or a line break.
    package static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One line: the fields quoted as needed, joined by commas, ended by a newline.
    package static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\n"
    }
}
