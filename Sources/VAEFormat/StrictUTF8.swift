/// Strict UTF-8 validation (RFC 3629): no overlong forms, no encoded surrogates, nothing above U+10FFFF.
///
/// Written out rather than left to `String(validating:)` because the format's answer must not depend on how lenient
/// a standard library is; this is the same rule Python's strict `bytes.decode("utf-8")` applies.
enum StrictUTF8 {
    /// Offset of the first byte that starts an invalid sequence, or nil when all of `bytes` is valid.
    static func firstInvalidOffset<C: Collection>(in bytes: C) -> Int? where C.Element == UInt8, C.Index == Int {
        var i = bytes.startIndex
        let end = bytes.endIndex
        while i < end {
            let lead = bytes[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            let length: Int
            // The allowed range of the second byte narrows for E0, ED, F0 and F4 (overlongs, surrogates, > U+10FFFF).
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                high = 0x9F
            case 0xF0:
                length = 4
                low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                high = 0x8F
            default: return i - bytes.startIndex
            }
            guard end - i >= length, (low...high).contains(bytes[i + 1]) else { return i - bytes.startIndex }
            for k in 2..<length where !(0x80...0xBF).contains(bytes[i + k]) { return i - bytes.startIndex }
            i += length
        }
        return nil
    }

    static func isValid<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8, C.Index == Int {
        firstInvalidOffset(in: bytes) == nil
    }
}
