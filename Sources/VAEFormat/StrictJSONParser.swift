/// A strict RFC 8259 parser for the metadata section (Formats/vaez.md section 6.1).
///
/// Besides plain syntax it refuses what makes JSON parsers disagree: duplicate keys (compared byte for byte, at any
/// depth), `NaN`/`Infinity`, numbers that are not finite as binary64 (`1e400`), unpaired UTF-16 surrogate escapes,
/// and nesting deeper than 64. Foundation's parser reports none of the first three, hence this one.
struct StrictJSONParser {
    /// Why the text was refused, with the byte offset where it was noticed.
    struct Failure: Error {
        let message: String
    }

    static let maximumDepth = 64

    private let text: [UInt8]
    private var position = 0

    /// Parses `text`, which must already be valid UTF-8, as one JSON value with only whitespace around it.
    static func parse(_ text: [UInt8]) throws(Failure) -> JSONValue {
        var parser = StrictJSONParser(text: text)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 1)
        parser.skipWhitespace()
        guard parser.position == text.count else { throw parser.failure("unexpected data after the JSON value") }
        return value
    }

    private init(text: [UInt8]) {
        self.text = text
    }

    private func failure(_ message: String) -> Failure {
        Failure(message: "\(message) at byte \(position)")
    }

    private var current: UInt8? { position < text.count ? text[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    /// `depth` is the nesting level this value would have if it is an array or object (the top level is 1).
    private mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
        guard let byte = current else { throw failure("unexpected end of text, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "N"), UInt8(ascii: "I"): throw failure("NaN and Infinity are not JSON")
        default: throw failure("unexpected character, expected a value")
        }
    }

    private mutating func expectLiteral(_ word: String) throws(Failure) {
        let bytes = Array(word.utf8)
        guard text.count - position >= bytes.count, text[position..<(position + bytes.count)].elementsEqual(bytes)
        else {
            throw failure("invalid literal, expected \(word)")
        }
        position += bytes.count
    }

    private mutating func parseObject(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= Self.maximumDepth else { throw failure("nested deeper than \(Self.maximumDepth) levels") }
        position += 1
        var members: [JSONMember] = []
        var keys = Set<[UInt8]>()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            let key = try parseString()
            guard keys.insert(Array(key.utf8)).inserted else { throw failure("duplicate key \"\(key)\"") }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw failure("expected ':' after a key") }
            position += 1
            skipWhitespace()
            members.append(JSONMember(key: key, value: try parseValue(depth: depth + 1)))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return .object(members)
            default: throw failure("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= Self.maximumDepth else { throw failure("nested deeper than \(Self.maximumDepth) levels") }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return .array(elements)
            default: throw failure("expected ',' or ']' in an array")
            }
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, finite as a binary64.
    private mutating func parseNumber() throws(Failure) -> JSONNumber {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, isDigit(first) else { throw failure("expected a digit") }
        position += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        var isInteger = true
        if current == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard let digit = current, isDigit(digit) else { throw failure("expected a digit after '.'") }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard let digit = current, isDigit(digit) else { throw failure("expected a digit in the exponent") }
            skipDigits()
        }
        let literal = String(decoding: text[start..<position], as: UTF8.self)
        guard let value = Double(literal), value.isFinite else {
            throw failure("number \(literal.prefix(40)) is out of binary64 range")
        }
        return JSONNumber(value: value, integerLiteral: isInteger ? literal : nil)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let byte = current, isDigit(byte) { position += 1 }
    }

    /// A string starting at the opening quote; escapes decoded, unpaired surrogates refused.
    private mutating func parseString() throws(Failure) -> String {
        position += 1
        var bytes: [UInt8] = []
        while true {
            guard let byte = current else { throw failure("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: bytes, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                try parseEscape(into: &bytes)
            case 0..<0x20:
                throw failure("control character in a string")
            default:
                bytes.append(byte)
                position += 1
            }
        }
    }

    private mutating func parseEscape(into bytes: inout [UInt8]) throws(Failure) {
        guard let byte = current else { throw failure("unterminated escape") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(byte)
        case UInt8(ascii: "b"): bytes.append(0x08)
        case UInt8(ascii: "f"): bytes.append(0x0C)
        case UInt8(ascii: "n"): bytes.append(0x0A)
        case UInt8(ascii: "r"): bytes.append(0x0D)
        case UInt8(ascii: "t"): bytes.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate counts only when a \u low surrogate follows at once.
                guard text.count - position >= 6, text[position] == UInt8(ascii: "\\"),
                    text[position + 1] == UInt8(ascii: "u")
                else { throw failure("unpaired UTF-16 surrogate escape") }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw failure("unpaired UTF-16 surrogate escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw failure("unpaired UTF-16 surrogate escape")
            }
            // Every value left here is a scalar: surrogates were paired or refused above.
            UTF8.encode(Unicode.Scalar(scalar)!) { bytes.append($0) }
        default:
            throw failure("invalid escape")
        }
    }

    private mutating func parseHex4() throws(Failure) -> UInt32 {
        guard text.count - position >= 4 else { throw failure("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = text[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }
}
