import Testing
import VAEJSON
import VAEProtocol

@Suite("JSON-RPC framing and request validation")
struct FramingTests {
    func single(_ line: String) -> Result<RPCRequest, RPCFailure>? {
        if case .single(let result) = RPCIncoming.parse(line: Array(line.utf8)) { return result }
        return nil
    }

    func failure(_ line: String) -> RPCFailure? {
        if case .failure(let f)? = single(line) { return f }
        return nil
    }

    @Test func validRequestWithAndWithoutJsonrpcAndCRLF() throws {
        let request = try single(#"{"jsonrpc":"2.0","id":7,"method":"health"}"#)!.get()
        #expect(request.method == "health" && request.id == .number(JSONNumber(text: "7", double: 7)))
        let bare = try single("{\"id\":\"a\",\"method\":\"hello\",\"params\":{}}\r")!.get()
        #expect(bare.id == .string("a") && bare.params == .object([]))
        let notification = try single(#"{"method":"health"}"#)!.get()
        #expect(notification.isNotification)
    }

    @Test func blankLinesAreIgnored() {
        if case .empty = RPCIncoming.parse(line: Array("  \r".utf8)) {} else { Issue.record("blank line must be empty") }
    }

    @Test(arguments: [
        ("not json", RPCError.ErrorType.parseError, RPCID.null),
        (#"{"id":1,"method":"x","id":2}"#, .parseError, .null),
        ("[1,2", .parseError, .null),
        ("42", .invalidRequest, .null),
        ("[]", .invalidRequest, .null),
        (#"{"id":{},"method":"x"}"#, .invalidRequest, .null),
        (#"{"id":3}"#, .invalidRequest, .number(JSONNumber(text: "3", double: 3))),
        (#"{"id":3,"method":5}"#, .invalidRequest, .number(JSONNumber(text: "3", double: 3))),
        (#"{"id":"q","jsonrpc":"1.0","method":"hello"}"#, .invalidRequest, .string("q")),
        (#"{"id":"q","method":"hello","params":[1]}"#, .invalidRequest, .string("q")),
    ])
    func malformedLinesGetTheirError(line: String, type: RPCError.ErrorType, id: RPCID) {
        let f = failure(line)
        #expect(f?.error.type == type, "\(line)")
        #expect(f?.id == id, "\(line)")
    }

    @Test func invalidUTF8AndNULsAreParseErrors() {
        #expect(failure(String(decoding: [0x7B, 0xFF, 0x7D], as: UTF8.self)) != nil)
        if case .single(.failure(let f)) = RPCIncoming.parse(line: [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]) {
            #expect(f.error.type == .parseError)
        } else {
            Issue.record("invalid UTF-8 must be a parse error")
        }
        #expect(failure("{\"id\":1,\"method\":\"he\u{0}llo\"}")?.error.type == .parseError)
    }

    @Test func batchesValidateEachElement() {
        guard case .batch(let results) = RPCIncoming.parse(line: Array(#"[{"id":1,"method":"a"},5,{"method":"n"}]"#.utf8)) else {
            Issue.record("expected a batch")
            return
        }
        #expect(results.count == 3)
        #expect((try? results[0].get())?.method == "a")
        if case .failure(let f) = results[1] { #expect(f.error.type == .invalidRequest) } else { Issue.record("5 is invalid") }
        #expect((try? results[2].get())?.isNotification == true)
    }

    @Test func responsesAreOneLineOfValidJSONEchoingTheIdExactly() throws {
        let id = RPCID.number(JSONNumber(text: "12345678901234567890", double: 1.2345678901234567e19))
        let ok = RPCResponse.success(id: id) { $0.raw("{\"status\":\"ok\"}") }
        #expect(ok.last == 0x0A && ok.dropLast().allSatisfy { $0 != 0x0A })
        #expect(String(decoding: ok, as: UTF8.self) == "{\"jsonrpc\":\"2.0\",\"id\":12345678901234567890,\"result\":{\"status\":\"ok\"}}\n")

        let error = RPCResponse.failure(id: .string("x"), .modelNotFound("m", loaded: ["a", "b"]))
        let parsed = try JSONParser().parse(Array(error.dropLast()))
        #expect(parsed["error"]?["code"]?.integerValue == -32001)
        #expect(parsed["error"]?["data"]?["type"]?.stringValue == "model_not_found")
        #expect(parsed["error"]?["data"]?["models"] == .array([.string("a"), .string("b")]))
        #expect(parsed["id"]?.stringValue == "x")
    }

    @Test func everyErrorTypeHasItsCode() {
        let expected: [RPCError.ErrorType: Int] = [
            .parseError: -32700, .invalidRequest: -32600, .lineTooLong: -32600, .methodNotFound: -32601,
            .invalidParams: -32602, .shapeMismatch: -32602, .invalidValue: -32602, .tooLarge: -32602,
            .modelRequired: -32602, .modelNotFound: -32001, .overloaded: -32002, .shuttingDown: -32003,
            .reloadFailed: -32004, .internalError: -32603,
        ]
        for type in RPCError.ErrorType.allCases { #expect(type.code == expected[type], "\(type)") }
        #expect(RPCError.methodNotFound("x").details.first?.value.arrayValue?.count == RPCMethod.allCases.count)
    }
}
