import VAEJSON

/// Canonical JSON (Formats/vaez.md section 6.1): keys sorted by code point, no whitespace, non-ASCII as UTF-8.
///
/// Byte for byte what the reference writer's `json.dumps(obj, sort_keys=True, separators=(",", ":"),
/// ensure_ascii=False, allow_nan=False)` prints, so both writers give the same metadata section for the same model.
enum CanonicalJSON {
    static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, to: &out)
        return out
    }

    private static func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): out.append(contentsOf: format(number).utf8)
        case .string(let text): writeString(text, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // UTF-8 byte order is code point order, which is how Python sorts str keys.
            let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (i, member) in sorted.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Python's escaping with ensure_ascii=False: `"` `\` and the C0 controls; everything else as is.
    private static func writeString(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 15)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Integers as their digits (Python ints print exactly); other numbers as Python's `repr(float)`.
    static func format(_ number: JSONNumber) -> String {
        if let literal = number.integerLiteral {
            // Python reads "-0" as the int 0.
            return literal == "-0" ? "0" : literal
        }
        return pythonRepr(number.double)
    }

    /// Python's `repr` of a finite float: the shortest digits that round-trip, positional for decimal exponents
    /// −4…15 (`0.0001`, `1e-05`, `1000000000000000.0`, `1e+16`).
    static func pythonRepr(_ value: Double) -> String {
        precondition(value.isFinite, "canonical JSON has no NaN or Infinity")
        // Swift's description also prints the shortest round-trip digits; only the layout differs from Python's.
        let (digits, exponent) = shortestDigits(of: abs(value))
        let sign = value.sign == .minus ? "-" : ""
        guard !digits.isEmpty else { return sign + "0.0" }
        // The value is 0.d1d2d3… × 10^decimalPoint.
        let decimalPoint = exponent + 1
        if decimalPoint > -4 && decimalPoint <= 16 {
            if decimalPoint <= 0 {
                return sign + "0." + String(repeating: "0", count: -decimalPoint) + digits
            }
            if decimalPoint >= digits.count {
                return sign + digits + String(repeating: "0", count: decimalPoint - digits.count) + ".0"
            }
            let split = digits.index(digits.startIndex, offsetBy: decimalPoint)
            return sign + digits[..<split] + "." + digits[split...]
        }
        let mantissa = digits.count == 1 ? digits : String(digits.prefix(1)) + "." + digits.dropFirst()
        let exponentDigits = String(abs(exponent))
        let paddedExponent = exponentDigits.count < 2 ? "0" + exponentDigits : exponentDigits
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + paddedExponent
    }

    /// The significant digits of `value` (≥ 0) without leading or trailing zeros, and the decimal exponent of the
    /// first one: 1234.5 → ("12345", 3). Zero gives ("", 0).
    private static func shortestDigits(of value: Double) -> (String, Int) {
        let text = value.description  // "1234.5", "1e-05", "1.2345e+20", "0.0001"
        let parts = text.split(separator: "e", maxSplits: 1)
        let exponent = parts.count == 2 ? Int(parts[1])! : 0
        let mantissa = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = mantissa[0]
        let fraction = mantissa.count == 2 ? mantissa[1] : ""
        var digits = Substring(integerPart + fraction)
        var firstExponent = integerPart.count - 1 + exponent
        while digits.first == "0" {
            digits = digits.dropFirst()
            firstExponent -= 1
        }
        while digits.last == "0" { digits = digits.dropLast() }
        return (String(digits), digits.isEmpty ? 0 : firstExponent)
    }
}
