import VAECore
import VAEData
import VAEFiles

/// Reads a CSV table (RFC 4180: comma-separated, a header row of column names, cells optionally in double quotes
/// with `""` for a quote, CRLF or LF line ends, a UTF-8 byte-order mark skipped, empty lines skipped).
///
/// Every column is a numeric feature except the label column, if one is named: its distinct values, sorted
/// (numerically when all are numbers, else by text), are the class names, labels 0, 1, … in that order. A text
/// cell, or an empty or missing one ("", NA, N/A, NaN, nan, null, NULL, None), is refused with its row (the line
/// number in the file, as an editor shows it) and column name. The table is split by fraction and standardised.
enum CSVReader {
    static let missingMarkers = CSVText.missingMarkers

    static func load(_ path: String, options: DataImportOptions) throws(DataError) -> DatasetSplit {
        let table = try parse(
            try readFile(path), path: path, labelColumn: options.labelColumn,
            suggestsLabelColumn: options.labelColumn == nil)
        let fraction = options.testFraction ?? DataImportOptions.defaultTestFraction
        let split = try DataImport.fractionSplit(table.data, fraction: fraction, seed: options.seed, source: path)
        let standard = DataImport.standardised(train: split.train, test: split.test, featureNames: table.features)
        let source = DataSource(
            format: .csv, path: path, testFraction: fraction, seed: options.seed, labelColumn: options.labelColumn)
        var name = DataImport.baseName(path)
        if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = String(name[..<dot]) }
        return DatasetSplit(
            name: name, train: standard.train, test: standard.test, files: [path], classNames: table.classNames,
            normalisation: standard.normalisation, source: source, notes: standard.note.map { [$0] } ?? [])
    }

    /// The table in `bytes`: N rows × D features (not yet standardised), the feature names, and the class names
    /// when a label column is named.
    /// - Parameter suggestsLabelColumn: a text cell's message suggests `--label-column` (for training, where the
    ///   option exists and none was given).
    static func parse(_ bytes: [UInt8], path: String, labelColumn: String?, suggestsLabelColumn: Bool = false)
        throws(DataError)
        -> (data: Dataset, features: [String], classNames: [String]?)
    {
        var records = CSVRecords(bytes: bytes, path: path)
        guard let header = try records.next() else {
            throw DataError(.emptySelection, "\(path): the file is empty (expected a header row of column names)")
        }
        let columns = header.cells.map(\.trimmingSpaces)
        for (j, name) in columns.enumerated() {
            guard !name.trimmingSpaces.isEmpty else {
                throw DataError(
                    .invalidValue, "\(path): row \(header.line), column \(j + 1): the header has an empty column name")
            }
            if let k = columns[..<j].firstIndex(of: name) {
                throw DataError(
                    .invalidValue, "\(path): row \(header.line): columns \(k + 1) and \(j + 1) are both named '\(name)'"
                )
            }
        }
        var labelIndex: Int?
        if let labelColumn {
            guard let index = columns.firstIndex(of: labelColumn) else {
                throw DataError(
                    .invalidValue,
                    "\(path): no column '\(labelColumn)' for --label-column (the columns are \(columns.prefix(20).joined(separator: ", "))\(columns.count > 20 ? ", …" : ""))"
                )
            }
            labelIndex = index
        }
        let features = columns.indices.filter { $0 != labelIndex }
        guard !features.isEmpty else {
            throw DataError(
                .emptySelection,
                "\(path): no feature columns (the only column is the label column '\(labelColumn ?? "")')")
        }
        var values: [Float] = []
        var labelTexts: [String] = []
        var lines: [String] = []
        while let record = try records.next() {
            guard record.cells.count == columns.count else {
                throw DataError(
                    .sizeMismatch,
                    "\(path): row \(record.line) has \(record.cells.count) cell\(record.cells.count == 1 ? "" : "s") but the header has \(columns.count) columns"
                )
            }
            try checkValueCount(values.count + features.count, source: path)
            for j in features {
                do {
                    values.append(try number(record.cells[j], row: record.line, column: columns[j], path: path))
                } catch {
                    // Words in a table with no label column named are most likely its labels: say how to name it.
                    let text = record.cells[j].trimmingSpaces
                    guard suggestsLabelColumn, !missingMarkers.contains(text), Double(text) == nil else { throw error }
                    throw DataError(
                        error.code, "\(error.message); if column \(columns[j]) holds class labels, add --label-column \(columns[j])")
                }
            }
            if let labelIndex {
                let text = record.cells[labelIndex].trimmingSpaces
                guard !missingMarkers.contains(text) else {
                    throw DataError(
                        .invalidValue,
                        "\(path): row \(record.line), column \(columns[labelIndex]): the label is missing ('\(text)')")
                }
                labelTexts.append(text)
            }
            lines.append(String(record.line))
        }
        guard !lines.isEmpty else { throw DataError(.emptySelection, "\(path): no rows after the header") }
        var labels: [UInt8]?
        var classNames: [String]?
        if labelIndex != nil {
            let distinct = Set(labelTexts)
            guard distinct.count <= ImportLimits.maximumClasses else {
                throw DataError(
                    .tooLarge,
                    "\(path): column \(labelColumn!) has \(distinct.count) distinct labels; at most \(ImportLimits.maximumClasses) classes are supported"
                )
            }
            let numbers = distinct.compactMap { text in Double(text).map { (text, $0) } }
            let names =
                numbers.count == distinct.count
                ? numbers.sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.map(\.0)
                : distinct.sorted()
            let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, UInt8($0)) })
            labels = labelTexts.map { index[$0]! }
            classNames = names
        }
        let data = Dataset(
            shape: ImageShape(height: 1, width: features.count, channels: 1), layout: .table, values: .floats(values),
            count: lines.count, labels: labels, itemNames: lines)
        return (data, features.map { columns[$0] }, classNames)
    }

    static func number(_ cell: String, row: Int, column: String, path: String) throws(DataError) -> Float {
        let text = cell.trimmingSpaces
        if missingMarkers.contains(text) {
            throw DataError(
                .invalidValue,
                "\(path): row \(row), column \(column): missing value ('\(text)'); fill or drop it before training")
        }
        guard let value = Double(text), value.isFinite, Float(value).isFinite else {
            throw DataError(
                .invalidValue, "\(path): row \(row), column \(column): '\(text.prefix(40))' is not a finite number")
        }
        return Float(value)
    }
}

/// The records of a CSV file, one at a time.
struct CSVRecords {
    struct Record {
        var cells: [String]
        /// The 1-based line on which the record starts.
        var line: Int
    }

    let bytes: [UInt8]
    let path: String
    var i = 0
    var line = 1

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
    }

    /// The next non-empty record, or nil at the end of the file.
    mutating func next() throws(DataError) -> Record? {
        while i < bytes.count {
            let start = line
            var cells: [String] = []
            var cell: [UInt8] = []
            var quoted = false
            var sawQuote = false
            var ended = false
            while i < bytes.count && !ended {
                let c = bytes[i]
                if quoted {
                    if c == UInt8(ascii: "\"") {
                        if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
                            cell.append(c)
                            i += 1
                        } else {
                            quoted = false
                        }
                    } else {
                        if c == 0x0A { line += 1 }
                        cell.append(c)
                    }
                    i += 1
                    continue
                }
                switch c {
                case UInt8(ascii: ","):
                    cells.append(try text(cell, row: start, column: cells.count))
                    cell = []
                    sawQuote = false
                case UInt8(ascii: "\""):
                    guard cell.allSatisfy({ $0 == 0x20 }) && !sawQuote else {
                        throw DataError(
                            .invalidValue,
                            "\(path): row \(start), column \(cells.count + 1): a quote inside an unquoted cell (quote the whole cell and double the quote)"
                        )
                    }
                    cell = []
                    quoted = true
                    sawQuote = true
                case 0x0A:
                    line += 1
                    ended = true
                case 0x0D where i + 1 < bytes.count && bytes[i + 1] == 0x0A:
                    break
                default:
                    if sawQuote && c != 0x20 {
                        throw DataError(
                            .invalidValue,
                            "\(path): row \(start), column \(cells.count + 1): text after the closing quote of a quoted cell"
                        )
                    }
                    if !sawQuote { cell.append(c) }
                }
                i += 1
            }
            if quoted {
                throw DataError(
                    .truncated,
                    "\(path): row \(start), column \(cells.count + 1): a quoted cell is not closed before the end of the file"
                )
            }
            if cells.isEmpty && cell.isEmpty && !sawQuote { continue }  // an empty line
            cells.append(try text(cell, row: start, column: cells.count))
            return Record(cells: cells, line: start)
        }
        return nil
    }

    func text(_ cell: [UInt8], row: Int, column: Int) throws(DataError) -> String {
        guard let s = String(validating: cell, as: UTF8.self) else {
            throw DataError(.invalidValue, "\(path): row \(row), column \(column + 1): the cell is not UTF-8 text")
        }
        return s
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }
}
