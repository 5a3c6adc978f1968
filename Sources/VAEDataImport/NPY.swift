import VAEFiles

/// One array of a NumPy `.npy` file (format versions 1, 2 and 3): its element type, shape and raw little-endian
/// values, C order.
package struct NPYArray: Sendable, Equatable {
    /// The element types read: unsigned bytes, little-endian floats, little-endian integers (for labels).
    package enum DType: String, Sendable, Equatable {
        case u1 = "|u1"
        case i1 = "|i1"
        case u2 = "<u2"
        case i2 = "<i2"
        case u4 = "<u4"
        case i4 = "<i4"
        case u8 = "<u8"
        case i8 = "<i8"
        case f4 = "<f4"
        case f8 = "<f8"

        var size: Int {
            switch self {
            case .u1, .i1: 1
            case .u2, .i2: 2
            case .u4, .i4, .f4: 4
            case .u8, .i8, .f8: 8
            }
        }

        var isInteger: Bool { self != .f4 && self != .f8 }
    }

    package var dtype: DType
    package var shape: [Int]
    /// `shape.product × dtype.size` bytes.
    package var data: ArraySlice<UInt8>

    package var count: Int { shape.reduce(1, *) }

    /// Parses the bytes of an .npy file.
    ///
    /// - Throws: `DataError` naming `source` and what is wrong: the magic, version, header (its Python literal),
    ///   an element type not read here (big-endian, object arrays, others), Fortran order, or a data size that
    ///   disagrees with the shape.
    package init(parsing bytes: ArraySlice<UInt8>, source: String) throws(DataError) {
        let start = bytes.startIndex
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
        guard bytes.count >= 10 else {
            throw DataError(.truncated, "\(source): too short for an .npy header (\(bytes.count) bytes)")
        }
        guard Array(bytes[start..<(start + 6)]) == magic else {
            throw DataError(.badMagic, "\(source): not an .npy file (it does not start with \\x93NUMPY)")
        }
        let major = bytes[start + 6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[start + 8]) | Int(bytes[start + 9]) << 8
            headerStart = start + 10
        case 2, 3:
            guard bytes.count >= 12 else { throw DataError(.truncated, "\(source): .npy header truncated") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[start + 8 + $1]) << (8 * $1) }
            headerStart = start + 12
        default:
            throw DataError(
                .unsupported, "\(source): .npy format version \(major).\(bytes[start + 7]) is not supported (1, 2 or 3)"
            )
        }
        guard headerLength <= bytes.endIndex - headerStart else {
            throw DataError(
                .truncated,
                "\(source): .npy header truncated (declares \(headerLength) bytes, \(bytes.endIndex - headerStart) follow)"
            )
        }
        guard let text = String(validating: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self) else {
            throw DataError(.unsupported, "\(source): the .npy header is not UTF-8 text")
        }
        let header = try NPYHeader(parsing: text, source: source)
        guard !header.fortranOrder else {
            throw DataError(
                .unsupported,
                "\(source): the array is in Fortran order (fortran_order: True); only C order is read (save numpy.ascontiguousarray(a))"
            )
        }
        dtype = try Self.dtype(header.descr, source: source)
        shape = header.shape
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= ImportLimits.maximumFileBytes else {
                throw DataError(.tooLarge, "\(source): shape \(shape) is too large")
            }
            count = product
        }
        let dataStart = headerStart + headerLength
        let expected = count * dtype.size
        let available = bytes.endIndex - dataStart
        if available < expected {
            throw DataError(
                .truncated,
                "\(source): truncated: shape \(shape) of \(dtype.rawValue) needs \(expected) data bytes, the file has \(available)"
            )
        }
        if available > expected {
            throw DataError(
                .sizeMismatch,
                "\(source): shape \(shape) of \(dtype.rawValue) needs \(expected) data bytes, the file has \(available) (\(available - expected) extra)"
            )
        }
        data = bytes[dataStart...]
    }

    static func dtype(_ descr: String, source: String) throws(DataError) -> DType {
        if let dtype = DType(rawValue: descr) { return dtype }
        if descr == "<u1" || descr == "<i1" { return DType(rawValue: "|" + descr.dropFirst())! }
        if descr.hasPrefix(">") {
            throw DataError(
                .unsupported,
                "\(source): dtype '\(descr)' is big-endian; save it little-endian (a.astype('<\(descr.dropFirst())'))")
        }
        if descr.hasPrefix("|O") {
            throw DataError(
                .unsupported,
                "\(source): dtype '\(descr)' is an object array (pickled Python objects), which is never read; save numbers"
            )
        }
        throw DataError(
            .unsupported, "\(source): dtype '\(descr)' is not supported (data: |u1, <f4 or <f8; labels: integers)")
    }

    /// The value at flat `index` as a Double (every dtype here converts exactly, but 64-bit integers past 2^53).
    func value(_ index: Int) -> Double {
        data.withUnsafeBytes { raw in
            let o = index * dtype.size
            func load<T: FixedWidthInteger>(_: T.Type) -> T {
                T(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: T.self))
            }
            switch dtype {
            case .u1: return Double(raw[o])
            case .i1: return Double(Int8(bitPattern: raw[o]))
            case .u2: return Double(load(UInt16.self))
            case .i2: return Double(load(Int16.self))
            case .u4: return Double(load(UInt32.self))
            case .i4: return Double(load(Int32.self))
            case .u8: return Double(load(UInt64.self))
            case .i8: return Double(load(Int64.self))
            case .f4: return Double(Float(bitPattern: load(UInt32.self)))
            case .f8: return Double(bitPattern: load(UInt64.self))
            }
        }
    }
}

/// The header of an .npy file: a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (10, 28, 28), }`, parsed by hand (the three keys, string,
/// boolean and integer-tuple values).
struct NPYHeader {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    private enum Value {
        case string(String)
        case bool(Bool)
        case tuple([Int])
    }

    init(parsing text: String, source: String) throws(DataError) {
        var parser = Parser(text: Array(text.utf8), source: source)
        let entries = try parser.dictionary()
        var descr: String?
        var fortran: Bool?
        var shape: [Int]?
        for (key, value) in entries {
            switch (key, value) {
            case ("descr", .string(let s)): descr = s
            case ("fortran_order", .bool(let b)): fortran = b
            case ("shape", .tuple(let t)): shape = t
            case ("descr", _), ("fortran_order", _), ("shape", _):
                throw DataError(
                    .unsupported,
                    "\(source): .npy header: '\(key)' has the wrong kind of value (descr: a string such as '<f4'; fortran_order: True or False; shape: a tuple of integers)"
                )
            default:
                throw DataError(
                    .unsupported,
                    "\(source): .npy header: unexpected key '\(key)' (expected descr, fortran_order, shape)")
            }
        }
        guard let descr, let fortran, let shape else {
            let missing = [("descr", descr == nil), ("fortran_order", fortran == nil), ("shape", shape == nil)]
                .filter(\.1).map(\.0)
            throw DataError(.unsupported, "\(source): .npy header lacks \(missing.joined(separator: " and "))")
        }
        self.descr = descr
        self.fortranOrder = fortran
        self.shape = shape
    }

    private struct Parser {
        let text: [UInt8]
        let source: String
        var i = 0

        init(text: [UInt8], source: String) {
            self.text = text
            self.source = source
        }

        func fail(_ what: String) -> DataError {
            DataError(.unsupported, "\(source): .npy header is not a dict literal: \(what) at character \(i + 1)")
        }

        mutating func skipSpace() {
            while i < text.count, [0x20, 0x0A, 0x0D, 0x09].contains(text[i]) { i += 1 }
        }

        mutating func expect(_ c: Character) throws(DataError) {
            skipSpace()
            guard i < text.count, text[i] == c.asciiValue! else { throw fail("expected '\(c)'") }
            i += 1
        }

        mutating func peek() -> UInt8? {
            skipSpace()
            return i < text.count ? text[i] : nil
        }

        mutating func dictionary() throws(DataError) -> [(String, Value)] {
            try expect("{")
            var entries: [(String, Value)] = []
            while peek() != UInt8(ascii: "}") {
                let key = try string()
                try expect(":")
                entries.append((key, try value()))
                if peek() == UInt8(ascii: ",") { i += 1 } else { break }
            }
            try expect("}")
            guard peek() == nil else { throw fail("text after the closing brace") }
            return entries
        }

        mutating func string() throws(DataError) -> String {
            guard let quote = peek(), quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
                throw fail("expected a quoted string")
            }
            i += 1
            let start = i
            while i < text.count, text[i] != quote {
                if text[i] == UInt8(ascii: "\\") { throw fail("an escape in a string") }
                i += 1
            }
            guard i < text.count else { throw fail("an unterminated string") }
            defer { i += 1 }
            return String(decoding: text[start..<i], as: UTF8.self)
        }

        mutating func value() throws(DataError) -> Value {
            switch peek() ?? 0 {
            case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "("): return .tuple(try tuple())
            case UInt8(ascii: "["): throw fail("a structured dtype (a list of fields), which is not supported,")
            default:
                for (word, flag) in [("True", true), ("False", false)] where text[i...].starts(with: word.utf8) {
                    i += word.utf8.count
                    return .bool(flag)
                }
                throw fail("expected a string, True, False or a tuple")
            }
        }

        mutating func tuple() throws(DataError) -> [Int] {
            try expect("(")
            var values: [Int] = []
            while peek() != UInt8(ascii: ")") {
                let start = i
                while i < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[i]) { i += 1 }
                // Python 2 wrote long integers as 10L.
                if i < text.count, text[i] == UInt8(ascii: "L") { i += 1 }
                let digits = text[start..<i].filter { $0 != UInt8(ascii: "L") }
                guard !digits.isEmpty, digits.count <= 18, let n = Int(String(decoding: digits, as: UTF8.self)) else {
                    throw fail("expected a dimension (a non-negative integer)")
                }
                values.append(n)
                if peek() == UInt8(ascii: ",") { i += 1 } else { break }
            }
            try expect(")")
            return values
        }
    }
}
