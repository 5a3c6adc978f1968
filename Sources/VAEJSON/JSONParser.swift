/// Why a JSON text was refused, and where.
package struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Reason: String, Sendable {
        case unexpectedEnd = "unexpected end of input"
        case unexpectedCharacter = "unexpected character"
        case invalidUTF8 = "invalid UTF-8"
        case invalidEscape = "invalid escape sequence"
        case unpairedSurrogate = "unpaired UTF-16 surrogate in a \\u escape"
        case controlCharacter = "unescaped control character in a string"
        case invalidNumber = "invalid number"
        case numberOutOfRange = "number too large for a double"
        case tooDeep = "nesting too deep"
        case duplicateKey = "duplicate key"
        case trailingCharacters = "trailing characters after the value"
    }

    package let reason: Reason
    /// Byte offset into the input.
    package let offset: Int
    /// For duplicate keys, the key.
    package let detail: String?

    package var description: String {
        "\(reason.rawValue) at byte \(offset)" + (detail.map { ": \($0)" } ?? "")
    }
}

/// A strict RFC 8259 parser over UTF-8 bytes, for the wire protocol and the .vaez metadata (Formats/vaez.md
/// section 6.1) alike.
///
/// Refuses what Foundation's parsers let through or crash on, and what makes JSON parsers disagree: duplicate keys
/// (compared byte for byte, at any depth), nesting past `maximumDepth`, `NaN`/`Infinity`, numbers that are not
/// finite as binary64 (`1e400`), invalid UTF-8 in strings, unpaired UTF-16 surrogate escapes. Never recurses deeper
/// than the limit, so hostile input cannot exhaust the stack.
package struct JSONParser {
    /// The most arrays and objects that may enclose one another; the top-level container is at depth 1.
    package var maximumDepth: Int

    package init(maximumDepth: Int = 64) {
        self.maximumDepth = maximumDepth
    }

    package func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) in try parse(buffer) }
    }

    package func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    package func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var reader = JSONReader(buffer, maximumDepth: maximumDepth)
        let value = try reader.readValue()
        try reader.readEnd()
        return value
    }
}

/// Reads a JSON text a value at a time, by the same code and rules as `JSONParser` (depth limit, strict UTF-8,
/// duplicate keys refused, numbers per RFC 8259), for callers that want some values in another form than a
/// `JSONValue`: a V2 request reads its tensor data straight into numbers, without a `JSONValue` per element.
///
/// Each `read…` call reads one whole value (or the end); a closure given to `readObject` or `readArray` must read
/// exactly one value each time it is called.
package struct JSONReader {
    private var cursor: Cursor
    /// How many arrays and objects enclose the next value.
    private let depth: Int

    /// A reader at the start of `bytes`.
    package init(_ bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int = 64) {
        cursor = Cursor(bytes: bytes, maximumDepth: maximumDepth)
        cursor.skipWhitespace()
        depth = 0
    }

    private init(_ cursor: Cursor, depth: Int) {
        self.cursor = cursor
        self.depth = depth
    }

    /// Whether the next value is an object.
    package var atObject: Bool { cursor.next == UInt8(ascii: "{") }

    /// Whether the next value is an array.
    package var atArray: Bool { cursor.next == UInt8(ascii: "[") }

    /// Reads the next value whole.
    package mutating func readValue() throws(JSONParseError) -> JSONValue {
        try cursor.value(depth: depth)
    }

    /// Reads an object (the next value must be one: see `atObject`), calling `member` with each key, in order, to
    /// read its value; a key that repeats an earlier one is refused before `member` sees it.
    package mutating func readObject(_ member: (String, inout JSONReader) throws(JSONParseError) -> Void)
        throws(JSONParseError)
    {
        let inner = depth + 1
        try cursor.members(depth: inner) { (key, cursor) throws(JSONParseError) in
            var reader = JSONReader(cursor, depth: inner)
            try member(key, &reader)
            cursor = reader.cursor
        }
    }

    /// Reads an array (the next value must be one: see `atArray`), calling `element` to read each element.
    package mutating func readArray(_ element: (inout JSONReader) throws(JSONParseError) -> Void)
        throws(JSONParseError)
    {
        let inner = depth + 1
        _ = try cursor.elements(depth: inner) { (cursor) throws(JSONParseError) in
            var reader = JSONReader(cursor, depth: inner)
            try element(&reader)
            cursor = reader.cursor
            return true
        }
    }

    /// Reads an array of numbers, or of such arrays nested (flattened in order), without a `JSONValue` per number;
    /// nil, having read nothing, when the next value is not an array or holds anything else.
    ///
    /// Malformed text before the first value that is not a number throws as `readValue` would.
    package mutating func readNumbers() throws(JSONParseError) -> JSONNumbers? {
        guard atArray else { return nil }
        let start = cursor.index
        var numbers = JSONNumbers()
        numbers.values.reserveCapacity(min((cursor.bytes.count - start) / 2, 4096))
        guard try cursor.numbers(depth: depth + 1, into: &numbers) else {
            cursor.index = start
            return nil
        }
        return numbers
    }

    /// Checks that nothing but whitespace follows.
    package mutating func readEnd() throws(JSONParseError) {
        cursor.skipWhitespace()
        guard cursor.atEnd else { throw cursor.error(.trailingCharacters) }
    }
}

/// Numbers that `JSONReader.readNumbers` read from an array, nested arrays flattened in order.
package struct JSONNumbers: Sendable {
    /// Each number's value, as `JSONNumber.double` holds it.
    package var values: [Double] = []
    /// Whether every number was written as an integer literal (no fraction, no exponent): then each value below
    /// 2^53 in magnitude is exactly the literal's, as `JSONNumber.int64` and `uint64` read it.
    package var areIntegerLiterals = true
}

private struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    let maximumDepth: Int
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    var atEnd: Bool { index >= bytes.count }

    /// The next byte, if any.
    var next: UInt8? { index < bytes.count ? bytes[index] : nil }

    func error(_ reason: JSONParseError.Reason, detail: String? = nil) -> JSONParseError {
        JSONParseError(reason: reason, offset: index, detail: detail)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func peek() throws(JSONParseError) -> UInt8 {
        guard index < bytes.count else { throw error(.unexpectedEnd) }
        return bytes[index]
    }

    mutating func expect(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error(.unexpectedEnd) }
        for i in 0..<count where bytes[index + i] != literal.utf8Start[i] {
            index += i
            throw error(.unexpectedCharacter)
        }
        index += count
    }

    mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        switch try peek() {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error(.unexpectedCharacter)
        }
    }

    mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
        var members: [JSONMember] = []
        try self.members(depth: depth) { (key, cursor) throws(JSONParseError) in
            members.append(JSONMember(key: key, value: try cursor.value(depth: depth)))
        }
        return .object(members)
    }

    mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
        var elements: [JSONValue] = []
        _ = try self.elements(depth: depth) { (cursor) throws(JSONParseError) in
            elements.append(try cursor.value(depth: depth))
            return true
        }
        return .array(elements)
    }

    /// Reads the object that starts here, its members at `depth`: refuses a key that repeats an earlier one, and
    /// calls `member` with each other key to read the value that follows it.
    mutating func members(depth: Int, _ member: (String, inout Cursor) throws(JSONParseError) -> Void)
        throws(JSONParseError)
    {
        guard depth <= maximumDepth else { throw error(.tooDeep) }
        index += 1
        var keys = DistinctKeys()
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            guard try peek() == UInt8(ascii: "\"") else { throw error(.unexpectedCharacter) }
            let keyStart = index
            let key = try string()
            guard keys.insert(key) else { throw JSONParseError(reason: .duplicateKey, offset: keyStart, detail: key) }
            skipWhitespace()
            guard try peek() == UInt8(ascii: ":") else { throw error(.unexpectedCharacter) }
            index += 1
            skipWhitespace()
            try member(key, &self)
            skipWhitespace()
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return
            default: throw error(.unexpectedCharacter)
            }
        }
    }

    /// Reads the array that starts here, its elements at `depth`, calling `element` to read each; false when
    /// `element` returns false, which stops the reading there.
    mutating func elements(depth: Int, _ element: (inout Cursor) throws(JSONParseError) -> Bool)
        throws(JSONParseError) -> Bool
    {
        guard depth <= maximumDepth else { throw error(.tooDeep) }
        index += 1
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return true
        }
        while true {
            skipWhitespace()
            guard try element(&self) else { return false }
            skipWhitespace()
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return true
            default: throw error(.unexpectedCharacter)
            }
        }
    }

    /// Reads the array that starts here as numbers (see `JSONReader.readNumbers`); false at the first element that
    /// is neither a number nor an array.
    mutating func numbers(depth: Int, into numbers: inout JSONNumbers) throws(JSONParseError) -> Bool {
        try elements(depth: depth) { (cursor) throws(JSONParseError) in
            switch try cursor.peek() {
            case UInt8(ascii: "["):
                return try cursor.numbers(depth: depth + 1, into: &numbers)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let (value, isIntegerLiteral) = try cursor.numberValue()
                numbers.values.append(value)
                if !isIntegerLiteral { numbers.areIntegerLiterals = false }
                return true
            default:
                return false
            }
        }
    }

    mutating func number() throws(JSONParseError) -> JSONNumber {
        let start = index
        let (value, isIntegerLiteral) = try numberValue()
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        return JSONNumber(text: text, double: value, isIntegerLiteral: isIntegerLiteral)
    }

    /// Reads the number that starts here: its value, and whether it is written as an integer literal.
    mutating func numberValue() throws(JSONParseError) -> (value: Double, isIntegerLiteral: Bool) {
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        // The digits of the integer and fraction parts as one integer: exact while there are at most 19 of them
        // (10^19 < 2^64), and not used past that.
        var mantissa: UInt64 = 0
        var digitCount = 0
        func digits(_ cursor: inout Cursor, into mantissa: inout UInt64) -> Int {
            // In locals: a store to cursor.index could alias the bytes as far as the compiler knows.
            let bytes = cursor.bytes
            var index = cursor.index
            var value = mantissa
            while index < bytes.count {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                value = value &* 10 &+ UInt64(digit)
                index += 1
            }
            let count = index - cursor.index
            cursor.index = index
            mantissa = value
            return count
        }
        guard index < bytes.count else { throw error(.unexpectedEnd) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            digitCount = 1
        } else {
            digitCount = digits(&self, into: &mantissa)
            guard digitCount > 0 else { throw error(.invalidNumber) }
        }
        // Most numbers in tensor data are short integers, whose Double is exact: done.
        if digitCount <= 15, index == bytes.count || !Self.continuesInteger(bytes[index]) {
            return (negative ? -Double(mantissa) : Double(mantissa), true)
        }
        var fractionDigits = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fractionDigits = digits(&self, into: &mantissa)
            guard fractionDigits > 0 else { throw error(.invalidNumber) }
            digitCount += fractionDigits
        }
        var exponent = 0
        var hasExponent = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            hasExponent = true
            index += 1
            var exponentNegative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var exponentValue: UInt64 = 0
            let exponentDigits = digits(&self, into: &exponentValue)
            guard exponentDigits > 0 else { throw error(.invalidNumber) }
            // Beyond 9 digits the exact exponent does not matter: the slow path below reads the text.
            exponent = exponentDigits > 9 ? Int.max / 2 : Int(exponentValue)
            if exponentNegative { exponent = -exponent }
        }
        let value: Double
        if digitCount <= 19, let exact = Self.fastDouble(mantissa, exponent: exponent - fractionDigits) {
            value = negative ? -exact : exact
        } else {
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            guard let parsed = Double(text) else { throw error(.invalidNumber) }
            value = parsed
        }
        guard value.isFinite else {
            index = start
            throw error(.numberOutOfRange)
        }
        return (value, fractionDigits == 0 && !hasExponent)
    }

    /// Whether `byte` after an integer's digits makes it more than an integer literal (or, a digit after a
    /// leading 0, malformed).
    @inline(__always)
    static func continuesInteger(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): true
        default: false
        }
    }

    /// Powers of ten that a Double holds exactly.
    private static let exactPowersOfTen: [Double] = (0...22).map { pow10 in
        (0..<pow10).reduce(1.0) { product, _ in product * 10 }
    }

    /// `mantissa` × 10^`exponent` when one correctly rounded multiplication or division gives it exactly as `Double(_:
    /// String)` would (Clinger's fast path: both operands are exact doubles); nil when the text must be read.
    @inline(__always)
    static func fastDouble(_ mantissa: UInt64, exponent: Int) -> Double? {
        guard mantissa <= 1 << 53 else { return nil }
        let m = Double(mantissa)
        if exponent == 0 { return m }
        return scaled(m, exponent: exponent)
    }

    /// `m` × 10^`exponent` by one exact operation, when 10^|exponent| is an exact Double.
    static func scaled(_ m: Double, exponent: Int) -> Double? {
        if exponent > 0, exponent <= 22 { return m * exactPowersOfTen[exponent] }
        if exponent < 0, exponent >= -22 { return m / exactPowersOfTen[-exponent] }
        return nil
    }

    mutating func string() throws(JSONParseError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                guard let s = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) else {
                    index = start
                    throw error(.invalidUTF8)
                }
                index += 1
                return s
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw error(.controlCharacter) }
            index += 1
        }
        var scratch = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while true {
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let s = String(validating: scratch, as: UTF8.self) else {
                    index = start
                    throw error(.invalidUTF8)
                }
                return s
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error(.unexpectedEnd) }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scratch.append(0x22)
                case UInt8(ascii: "\\"): scratch.append(0x5C)
                case UInt8(ascii: "/"): scratch.append(0x2F)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error(.unpairedSurrogate)
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error(.unpairedSurrogate) }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error(.unpairedSurrogate)
                    }
                    scratch.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
                default:
                    index -= 1
                    throw error(.invalidEscape)
                }
            default:
                guard byte >= 0x20 else { throw error(.controlCharacter) }
                scratch.append(byte)
                index += 1
            }
        }
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error(.unexpectedEnd) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error(.invalidEscape)
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}

/// An object's keys so far, to refuse one that repeats an earlier key byte for byte: the first few are kept inline
/// and compared one by one (no allocation for the small objects that are most of what is parsed), the rest go into
/// a set.
private struct DistinctKeys {
    private var few = InlineArray<8, String>(repeating: "")
    private var count = 0
    private var many: Set<UTF8Key>? = nil

    /// Adds `key`; false when it was there already.
    mutating func insert(_ key: String) -> Bool {
        if count < few.count {
            for i in 0..<count where few[i].utf8.count == key.utf8.count && few[i].utf8.elementsEqual(key.utf8) {
                return false
            }
            few[count] = key
            count += 1
            return true
        }
        if many == nil { many = Set(few.indices.map { UTF8Key(few[$0]) }) }
        return many!.insert(UTF8Key(key)).inserted
    }
}

/// A string compared and hashed by its UTF-8 bytes, not by `String`'s canonical equivalence: "é" and "e\u{301}" are
/// two keys to JSON (and to Python), so neither is a duplicate of the other.
private struct UTF8Key: Hashable {
    let string: String

    init(_ string: String) {
        self.string = string
    }

    static func == (lhs: UTF8Key, rhs: UTF8Key) -> Bool { lhs.string.utf8.elementsEqual(rhs.string.utf8) }

    func hash(into hasher: inout Hasher) {
        var string = string  // withUTF8 copies only a string that is not already contiguous UTF-8
        string.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
