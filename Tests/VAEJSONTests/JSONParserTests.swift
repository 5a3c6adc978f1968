import Testing
import VAEJSON

@Suite("Strict JSON parsing and writing")
struct JSONParserTests {
    let parser = JSONParser()

    func reason(_ text: String) -> JSONParseError.Reason? {
        do {
            _ = try parser.parse(text)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parser.parse(#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "x\u00e9\ud83d\ude00\n"}} "#)
        #expect(value["a"] == .array([.number(JSONNumber(text: "1", double: 1)), .number(JSONNumber(text: "-2.5e3", double: -2500)),
                                      .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"]?.stringValue == "xé😀\n")
        #expect(value["missing"] == nil)
    }

    @Test func numbersKeepTheirExactText() throws {
        let value = try parser.parse("[12345678901234567890, 0.1, 7]")
        var writer = JSONWriter()
        writer.value(value)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "[12345678901234567890,0.1,7]")
        #expect(value.arrayValue?[2].integerValue == 7)
        #expect(value.arrayValue?[1].integerValue == nil)
    }

    /// Numbers short enough for the parser's own arithmetic and those it leaves to `Double(_: String)` alike.
    @Test func numbersReadAsDoubleReadsTheirText() throws {
        var texts = ["0", "-0", "1", "-1", "10", "9007199254740991", "9007199254740992", "9007199254740993",
                     "12345678901234567890", "1234567890123456789012", "0.1", "0.30000000000000004", "1e22", "1e23",
                     "1.5e-22", "1e-23", "123456789012345.6", "4.9e-324", "2.2250738585072014e-308",
                     "1.7976931348623157e308", "0.000000000000000000000000001", "-0.0", "1E+2", "1e-0",
                     "100000000000000000000000e-3", "0e99999999999", "1e0000000000000000005", "0.5e-1000000000000"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15  // a fixed xorshift sequence: the same cases every run
        func next(_ bound: UInt64) -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state % bound
        }
        func digits(_ count: UInt64) -> String { (0..<count).map { _ in String(next(10)) }.joined() }
        for _ in 0..<5000 {
            var text = next(2) == 0 ? "-" : ""
            text += next(4) == 0 ? "0" : String(next(9) + 1) + digits(next(19))
            if next(2) == 0 { text += "." + digits(next(20) + 1) }
            if next(3) == 0 { text += (next(2) == 0 ? "e" : "E-") + String(next(40)) }
            texts.append(text)
        }
        for text in texts {
            let number = try #require(try parser.parse(text).number, "\(text)")
            #expect(number.double.bitPattern == Double(text)!.bitPattern, "\(text)")
            #expect(number.text == text)
        }
    }

    @Test func integerLiteralsAreReadExactly() throws {
        let cases: [(String, Int64?, UInt64?)] = [
            ("0", 0, 0), ("-0", 0, 0), ("7", 7, 7), ("-7", -7, nil), ("1.0", nil, nil), ("1e1", nil, nil),
            ("9007199254740993", 9_007_199_254_740_993, 9_007_199_254_740_993),
            ("-9007199254740993", -9_007_199_254_740_993, nil),
            ("-9223372036854775808", .min, nil), ("9223372036854775808", nil, 9_223_372_036_854_775_808),
            ("18446744073709551615", nil, .max), ("18446744073709551616", nil, nil),
            ("-18446744073709551616", nil, nil),
        ]
        for (text, signed, unsigned) in cases {
            let number = try #require(try parser.parse(text).number)
            #expect(number.int64 == signed && number.uint64 == unsigned, "\(text)")
            #expect(number.int64 == number.integerLiteral.flatMap { Int64($0) }, "as the digits read")
            #expect(number.uint64 == number.integerLiteral.flatMap { UInt64($0) }, "as the digits read")
            #expect(number == JSONNumber(text: text, double: number.double), "made from the text, the same number")
        }
        #expect(JSONNumber(text: "1e1", double: 10).integerLiteral == nil)
        #expect(JSONNumber(text: "-3", double: -3).int64 == -3)
        #expect(JSONNumber(12).integerLiteral == "12" && JSONNumber(12.0).integerLiteral == nil)
    }

    @Test(arguments: [
        (#"{"a":1,"a":2}"#, JSONParseError.Reason.duplicateKey),
        ("[1,]", .unexpectedCharacter),
        ("01", .trailingCharacters),
        ("[01]", .unexpectedCharacter),
        ("1e999", .numberOutOfRange),
        ("-", .unexpectedEnd),
        ("1.", .invalidNumber),
        ("NaN", .unexpectedCharacter),
        (#""\ud800""#, .unpairedSurrogate),
        (#""\udc00""#, .unpairedSurrogate),
        (#""\x""#, .invalidEscape),
        ("\"a\u{01}\"", .controlCharacter),
        ("{} {}", .trailingCharacters),
        (#"{"a" 1}"#, .unexpectedCharacter),
        ("", .unexpectedEnd),
        ("[", .unexpectedEnd),
        ("tru", .unexpectedEnd),
    ])
    func refusesMalformedText(text: String, expected: JSONParseError.Reason) {
        #expect(reason(text) == expected, "\(text)")
    }

    @Test func duplicateKeysAreFoundInSmallAndLargeObjects() {
        for count in [1, 2, 7, 8, 9, 12, 13, 40] {
            let keys = (0..<count).map { "\"k\($0)\":\($0)" }
            #expect(reason("{" + keys.joined(separator: ",") + "}") == nil, "\(count) keys")
            for duplicate in Set([0, count / 2, count - 1]) {
                let text = "{" + (keys + ["\"k\(duplicate)\":0"]).joined(separator: ",") + "}"
                let refusal = #expect(throws: JSONParseError.self, "\(count) keys, k\(duplicate) twice") {
                    try parser.parse(text)
                }
                #expect(refusal?.reason == .duplicateKey && refusal?.detail == "k\(duplicate)")
                #expect(refusal?.offset == text.utf8.count - 1 - "\"k\(duplicate)\":0".utf8.count, "at the second key")
            }
        }
        // Keys are compared byte for byte: canonically equivalent spellings are two keys, in small objects and large.
        for padding in [0, 20] {
            let others = (0..<padding).map { ",\"p\($0)\":0" }.joined()
            #expect(reason("{\"\u{E9}\":1,\"e\u{301}\":2" + others + "}") == nil)
            #expect(reason("{\"e\u{301}\":1" + others + ",\"e\\u0301\":2}") == .duplicateKey,
                    "an escape spells the same bytes")
        }
    }

    /// `JSONReader.readNumbers` reads what `parse` reads, flattened, refuses what it refuses, and leaves arrays
    /// that hold anything but numbers for `readValue`.
    @Test func readerReadsNumbersAsTheParserDoes() throws {
        func flat(_ value: JSONValue) -> [JSONNumber] {
            value.arrayValue.map { $0.flatMap(flat) } ?? [value.number!]
        }
        func read(_ text: String, maximumDepth: Int = 64) throws(JSONParseError) -> JSONNumbers? {
            try Array(text.utf8).withUnsafeBufferPointer { (bytes) throws(JSONParseError) in
                var reader = JSONReader(bytes, maximumDepth: maximumDepth)
                guard let numbers = try reader.readNumbers() else {
                    #expect(try reader.readValue() == parser.parse(text), "nothing read: readValue reads it all")
                    return nil
                }
                try reader.readEnd()
                return numbers
            }
        }
        for text in ["[1,2.5,-3e2]", "[[1,2],[3,[4]]]", "[]", "[[]]", " [ 1 ,\n2 ] ", "[-0,0.0,1E+2]",
                     "[12345678901234567890]"] {
            let numbers = try #require(try read(text), "\(text)")
            let expected = flat(try parser.parse(text))
            #expect(numbers.values.map(\.bitPattern) == expected.map(\.double.bitPattern), "\(text)")
            #expect(numbers.areIntegerLiterals == expected.allSatisfy { $0.integerLiteral != nil }, "\(text)")
        }
        for text in ["[1,true]", #"[[1],"a"]"#, "{}", "1", "[null]", "[[1,2],[3,{}]]"] {
            #expect(try read(text) == nil, "\(text)")
        }
        let deep = String(repeating: "[", count: 5) + "1" + String(repeating: "]", count: 5)
        for (text, depth) in [("[1,]", 64), ("[1e400]", 64), ("[01]", 64), ("[1", 64), ("[1 2]", 64), (deep, 4)] {
            var readError: JSONParseError?
            do { _ = try read(text, maximumDepth: depth) } catch { readError = error }
            var parseError: JSONParseError?
            do { _ = try JSONParser(maximumDepth: depth).parse(text) } catch { parseError = error }
            #expect(readError != nil && readError == parseError, "\(text)")
        }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONParseError.self) { try parser.parse([0x22, 0xC3, 0x28, 0x22]) }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(reason(deep) == .tooDeep)
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(reason(ok) == nil)
        #expect(reason("[" + ok + "]") == .tooDeep)
    }

    @Test func writerEscapesAndFormatsFloats() {
        var writer = JSONWriter()
        writer.raw("{")
        writer.string("q\"\\\n\u{01}é")
        writer.raw(":")
        [Float(0.1), 1e-5, -Float.zero, .nan].withUnsafeBufferPointer { writer.floats($0) }
        writer.raw("}")
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text == #"{"q\"\\\n\u0001é":[0.1,1e-05,-0.0,null]}"#)
        #expect((try? parser.parse(writer.bytes)) != nil, "the writer's output parses")
    }
}

@Suite("Building values to write")
struct JSONBuildingTests {
    @Test func nonFiniteFloatsAndMissingValuesAreNull() throws {
        let value: JSONValue = .object([
            "nan": .double(.nan), "inf": .doubles([1.5, -.infinity]), "none": .double(nil), "int": .int(nil),
            "half": .double(0.5), "count": .int(3), "name": .string(nil), "names": .strings(["a"]),
        ])
        let expected = #"{"nan":null,"inf":[1.5,null],"none":null,"int":null,"#
            + #""half":0.5,"count":3,"name":null,"names":["a"]}"#
        #expect(value.jsonText == expected)
        #expect(try JSONParser().parse(value.jsonText) == value)
    }
}
