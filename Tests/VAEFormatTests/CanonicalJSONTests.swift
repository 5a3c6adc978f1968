import Testing
import VAECore
import VAEJSON

@testable import VAEFormat

@Suite("Strict JSON parsing and canonical output match the reference")
struct CanonicalJSONTests {
    /// Texts that probe every rule of section 6.1 and the corners of RFC 8259.
    static let corpus: [String] = [
        #"{}"#, #"[]"#, #"{"a":1}"#, #" {"a" : [1, 2.5, -0, -0.0, 1e2, 1E-7, 123456789012345678901234567890]} "#,
        #"{"a":1,"a":2}"#, #"{"a":{"b":1,"b":1}}"#, #"{"a":1,"A":2}"#, #"{"é":1,"é":2}"#,
        #"{"x":NaN}"#, #"{"x":Infinity}"#, #"{"x":-Infinity}"#, #"{"x":1e400}"#, #"{"x":-1e309}"#, #"{"x":1e-400}"#,
        #"{"x":01}"#, #"{"x":1.}"#, #"{"x":.5}"#, #"{"x":+1}"#, #"{"x":1e}"#, #"{"x":-}"#, #"{"x":0x10}"#,
        #"{"s":"\ud800"}"#, #"{"s":"\udc00"}"#, #"{"s":"\ud83d\ude00"}"#, #"{"s":"\ud83d"}"#, #"{"s":"\ud83dx"}"#,
        #"{"\udfff":1}"#, #"{"s":"\u0000\u001f\u007f\/\b\f\n\r\t\"\\"}"#, #"{"s":"\x"}"#, #"{"s":"\u12"}"#,
        "{\"s\":\"tab\u{09}inside\"}", #"{"s":"ünïcödé ✓ 𝄞"}"#, #"{"a":true,"b":false,"c":null}"#,
        #"{"a":tru}"#,
        #"{"a":1,}"#, #"[1,]"#, #"{"a" 1}"#, #"{1:2}"#, #"{"a":1}x"#, #"{"a":1} {"#, "", " ", "\u{FEFF}{}",
        #""text""#, #"42"#, #"null"#, #"{"a":[[[[]]]]}"#,
        String(repeating: "[", count: 63) + String(repeating: "]", count: 63),
        String(repeating: "[", count: 64) + String(repeating: "]", count: 64),
        String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
        "{" + String(repeating: #""a":{"#, count: 63) + "}" + String(repeating: "}", count: 63),
        "{" + String(repeating: #""a":{"#, count: 64) + "}" + String(repeating: "}", count: 64),
        #"{"n":[0.1,0.2,0.30000000000000004,1e16,1e15,123456.789,0.0001,0.00001,5e-324,1.7976931348623157e308]}"#,
        #"{"n":[9007199254740993,-9007199254740993,1.5e300,-2.5E-5,100,1E2,10.0]}"#,
    ]

    static func swiftResult(_ bytes: [UInt8]) -> String {
        guard StrictUTF8.isValid(bytes), let value = try? JSONParser().parse(bytes) else { return "invalid" }
        return "ok " + hexString(CanonicalJSON.encode(value))
    }

    @Test func parserAndEncoderAgreeWithPythonOnTheCorpus() throws {
        var inputs = Self.corpus.map { Array($0.utf8) }
        // Invalid UTF-8: a lone continuation byte, an overlong "/", an encoded surrogate, a code point past U+10FFFF.
        for bad: [UInt8] in [[0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF]] {
            inputs.append(Array(#"{"s":""#.utf8) + bad + Array(#""}"#.utf8))
        }
        let python = try PythonReference.lines("json", inputs.map { hexString($0) })
        #expect(python.count == inputs.count)
        for (input, expected) in zip(inputs, python) {
            #expect(Self.swiftResult(input) == expected, "\(String(decoding: input, as: UTF8.self).prefix(80))")
        }
    }

    @Test func floatsPrintAsPythonReprDoes() throws {
        var random = RandomSource(seed: 0xF1_0A75)
        var values: [Double] = [
            0, -0.0, 1, -1, 0.1, 1e16, 1e15, 9_999_999_999_999_998, 1e-4, 1e-5, .leastNonzeroMagnitude,
            .greatestFiniteMagnitude, .leastNormalMagnitude, 123456789.125, 0.001, 2.5e-8,
        ]
        for _ in 0..<2000 {
            var value: Double
            repeat { value = Double(bitPattern: random.next()) } while !value.isFinite
            values.append(value)
        }
        for _ in 0..<500 { values.append(Double(random.nextUnitFloat() * 20 - 10)) }
        let hex = values.map { value in
            let digits = String(value.bitPattern, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        let python = try PythonReference.lines("repr", hex)
        #expect(python == values.map { CanonicalJSON.pythonRepr($0) })
    }

    @Test func integersAndFloatsKeepTheirSpelling() throws {
        let value = try JSONParser().parse(Array(#"{"b":[10,10.0,1e1,-0,12345678901234567890]}"#.utf8))
        #expect(
            String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
                == #"{"b":[10,10.0,10.0,0,12345678901234567890]}"#)
        let numbers = value["b"]!.arrayValue!.map { $0.number! }
        #expect(numbers.prefix(3).allSatisfy { $0.isInteger && $0.intValue == 10 })
        #expect(numbers[4].isInteger == false, "beyond 2^53−1 is not an integer")
    }

    @Test func strictUTF8MatchesTheStandardLibraryOnWellFormedText() {
        for text in ["", "abc", "ünïcödé", "𝄞 ✓ \u{10FFFF} \u{E000} \u{FFFF}"] {
            #expect(StrictUTF8.isValid(Array(text.utf8)))
        }
        for bad: [UInt8] in [
            [0xC1, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xBF, 0xBF], [0xF0, 0x80, 0x80, 0x80],
            [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82], [0x61, 0xA0],
        ] {
            #expect(!StrictUTF8.isValid(bad), "\(bad)")
        }
    }

    @Test func createdTimesFollowTheCalendar() {
        for good in [
            "2026-11-24T18:00:00Z", "2024-02-29T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
            "2000-02-29T12:00:00Z",
        ] {
            #expect(CreatedTime.isValid(good), "\(good)")
        }
        for bad in [
            "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
            "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z", "2026-01-01T00:00:60Z", "0000-01-01T00:00:00Z",
            "2026-01-01T00:00:00.5Z", "2026-01-01T00:00:00z", "2026-01-01 00:00:00Z", "2026-1-01T00:00:00Z",
            "\u{0662}\u{0660}\u{0662}\u{0666}-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00", "",
        ] {
            #expect(!CreatedTime.isValid(bad), "\(bad)")
        }
        #expect(CreatedTime.format(unixTime: 253_402_300_800) == nil, "year 10000")
        #expect(CreatedTime.format(unixTime: -62_135_596_801) == nil, "year 0")
        #expect(CreatedTime.format(unixTime: -62_135_596_800) == "0001-01-01T00:00:00Z")
    }
}
