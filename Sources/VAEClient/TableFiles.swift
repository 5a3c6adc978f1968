import Foundation
import VAEData
import VAEFiles

/// One row of a table file and where it came from.
public struct InputRow: Sendable, Equatable {
    /// For messages and output: the file with the row's index among its data rows, `weather.csv[3]`.
    public let source: String
    /// The row's numbers, in the model's column order.
    public let values: [Double]
}

/// Reads and writes the CSV tables users give a table model: a header row of column names, then one row of numbers
/// per line (RFC 4180: commas, fields may be quoted, `""` is a quote inside one).
public enum TableFiles {
    /// Reads every file's rows, in order.
    /// - Parameters:
    ///   - width: the model's D, the numbers in a row.
    ///   - features: the model's column names, when it has them: each file's header (without `drop`) must be them.
    ///   - drop: columns left out (a label column the model does not know); each must be in every file's header.
    /// - Throws: `InputError` naming the file, and the row (its line in the file) and column of a bad value.
    public static func read(_ paths: [String], width: Int, features: [String]?, model: String, drop: [String] = [])
        throws(InputError) -> [InputRow]
    {
        var rows: [InputRow] = []
        for path in paths {
            let bytes: [UInt8]
            do {
                bytes = try Files.read(path)
            } catch {
                throw InputError("cannot read \(path): \(ImageFiles.reason(error, path: path))")
            }
            rows += try parse(String(decoding: bytes, as: UTF8.self), source: path, width: width, features: features,
                              model: model, drop: drop)
        }
        return rows
    }

    /// A CSV file's column names, without `drop`: the header results are written under.
    /// - Throws: `InputError` when the file cannot be read or has no header.
    public static func columns(of path: String, drop: [String] = []) throws(InputError) -> [String] {
        let bytes: [UInt8]
        do {
            bytes = try Files.read(path)
        } catch {
            throw InputError("cannot read \(path): \(ImageFiles.reason(error, path: path))")
        }
        guard let header = try records(String(decoding: bytes, as: UTF8.self), source: path).first?.fields else {
            throw InputError("\(path) is empty; it needs a header row")
        }
        return header.filter { !drop.contains($0) }
    }

    /// The rows of one CSV text (`source` names it in messages).
    static func parse(_ text: String, source: String, width: Int, features: [String]?, model: String, drop: [String])
        throws(InputError) -> [InputRow]
    {
        let lines = try records(text, source: source)
        guard let header = lines.first?.fields else { throw InputError("\(source) is empty; it needs a header row") }
        for name in drop where !header.contains(name) {
            let columns = header.joined(separator: ", ")
            throw InputError("\(source) has no column '\(name)' to drop (its columns: \(columns))")
        }
        let kept = header.indices.filter { !drop.contains(header[$0]) }
        let names = kept.map { header[$0] }
        try check(names, source: source, width: width, features: features, model: model, drop: drop)
        var rows: [InputRow] = []
        for (line, fields) in lines.dropFirst() {
            guard fields.count == header.count else {
                let cells = "\(fields.count) cell\(fields.count == 1 ? "" : "s")"
                throw InputError("\(source), row \(line) has \(cells) but the header has \(header.count) columns")
            }
            var values: [Double] = []
            for column in kept {
                values.append(try number(fields[column], at: "\(source), row \(line), column '\(header[column])'"))
            }
            rows.append(InputRow(source: "\(source)[\(rows.count)]", values: values))
        }
        guard !rows.isEmpty else { throw InputError("\(source) has a header but no rows") }
        return rows
    }

    /// A cell's number (a missing one refused in vae's words, so that a file gets one message whichever tool reads
    /// it); `place` ("days.csv, row 3, column 'pressure'") starts the message when it is none.
    static func number(_ cell: String, at place: String) throws(InputError) -> Double {
        let text = cell.trimmingSpaces
        if CSVText.missingMarkers.contains(text) { throw InputError("\(place): missing value ('\(text)'); fill or drop it") }
        guard let value = Double(text), value.isFinite, Float(value).isFinite else {
            throw InputError("\(place): '\(text.prefix(40))' is not a finite number")
        }
        return value
    }

    /// The header (without dropped columns) against the model: D names, the model's own when it has them.
    static func check(_ names: [String], source: String, width: Int, features: [String]?, model: String,
                      drop: [String]) throws(InputError)
    {
        if let features {
            if let extra = names.first(where: { !features.contains($0) }) {
                // Most often the label column the model was trained with: the daemon takes features only.
                throw InputError("\(source) has a column '\(extra)' that is not one of model '\(model)''s features "
                                 + "(\(features.joined(separator: ", "))); vaectl sends features only: leave a label "
                                 + "column out with --drop-column \(extra)")
            }
            if let missing = features.first(where: { !names.contains($0) }) {
                throw InputError("\(source) has no column '\(missing)', which model '\(model)' needs")
            }
            if let index = (0..<min(names.count, features.count)).first(where: { names[$0] != features[$0] }) {
                throw InputError("\(source): column \(index + 1) is '\(names[index])', but model '\(model)' takes "
                                 + "'\(features[index])' there; put the columns in the model's order: "
                                 + features.joined(separator: ", "))
            }
        }
        guard names.count == width else {
            let dropped = drop.isEmpty ? "" : " (after --drop-column)"
            throw InputError(
                "\(source) has \(names.count) columns\(dropped), but model '\(model)' takes rows of \(width)")
        }
    }

    /// The CSV text of `rows` under a header of `names` (each value as its JSON number text).
    public static func csv(names: [String], rows: [[String]]) -> String {
        ([names] + rows).map(CSVText.line).joined()
    }

    /// The non-empty records of a CSV text with the line each starts on (1-based; quoted fields may span lines):
    /// messages call it the row, as vae's do, which is the line an editor shows.
    static func records(_ text: String, source: String) throws(InputError) -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var quoted = false, wasQuoted = false
        var line = 1, recordLine = 1
        var characters = Array(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        characters.append("\n")
        var i = 0
        while i < characters.count {
            let c = characters[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < characters.count && characters[i + 1] == "\"" {
                        field.append("\"")
                        i += 1
                    } else {
                        quoted = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.append(c)
                }
            } else if c == "\"" && field.isEmpty && !wasQuoted {
                quoted = true
                wasQuoted = true
            } else if c == "," {
                fields.append(field)
                field = ""
                wasQuoted = false
            } else if c == "\n" || c == "\r\n" || c == "\r" {
                fields.append(field)
                if !(fields.count == 1 && fields[0].trimmingSpaces.isEmpty && !wasQuoted) {
                    records.append((recordLine, fields))
                }
                fields = []
                field = ""
                wasQuoted = false
                line += 1
                recordLine = line
            } else {
                field.append(c)
            }
            i += 1
        }
        if quoted { throw InputError("\(source), row \(recordLine): a quoted field is not closed") }
        return records
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return String(text)
    }
}
