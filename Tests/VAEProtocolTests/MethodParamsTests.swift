import Testing
import VAEJSON
import VAEProtocol

/// What a client sends, read back the way the daemon reads it.
func serverSide(_ method: RPCMethod, _ params: JSONValue) throws -> Params {
    let line = RPCRequest(id: .number(JSONNumber(7)), method: method.rawValue, params: params).line
    #expect(line.last == 0x0A && line.dropLast().allSatisfy { $0 != 0x0A }, "one line")
    guard case .single(.success(let request)) = RPCIncoming.parse(line: Array(line.dropLast())) else {
        Issue.record("the daemon does not read the client's request back")
        return Params(nil)
    }
    #expect(request.id == .number(JSONNumber(7)) && request.method == method.rawValue)
    return Params(request.params)
}

@Suite("Typed params: what a client encodes, the daemon decodes")
struct MethodParamsTests {
    @Test func everyMethodsParamsSurviveTheRoundTrip() throws {
        let u8 = JSONValue.object([JSONMember(key: "u8", value: .string("AAEC"))])
        let samples = [
            SampleParams(count: 3),
            SampleParams(model: "fashion", count: 256, temperature: 0.5, seed: UInt64.max, start: 1 << 53, output: .png),
        ]
        for sample in samples { #expect(try SampleParams(serverSide(.sample, sample.json)) == sample) }
        let encodes = [EncodeParams(images: [u8]), EncodeParams(model: "m", images: [u8, u8], sample: true, seed: 1 << 60)]
        for encode in encodes { #expect(try EncodeParams(serverSide(.encode, encode.json)) == encode) }
        let decode = DecodeParams(model: "m", codes: [[0.25, -1], [3, 1e-3]], output: .u8)
        let decoded = try DecodeParams(serverSide(.decode, decode.json))
        #expect(decoded == decode)
        #expect(try decoded.codes(zDim: 2, limit: 2).values == [0.25, -1, 3, 1e-3])
        let denoise = DenoiseParams(images: [u8], output: .array)
        #expect(try DenoiseParams(serverSide(.denoise, denoise.json)) == denoise)
        for stats in [StatsParams(), StatsParams(format: .prometheus)] {
            #expect(try StatsParams(serverSide(.stats, stats.json)) == stats)
        }
    }

    @Test func badMembersAreRefusedWithTheProtocolsErrors() throws {
        func refusal(_ make: (Params) throws -> Void, _ json: String) throws -> RPCError.ErrorType? {
            let params = Params(try JSONParser().parse(Array(json.utf8)))
            do {
                try make(params)
                return nil
            } catch let error as RPCError {
                return error.type
            }
        }
        #expect(try refusal({ _ = try SampleParams($0) }, #"{}"#) == .invalidParams)
        #expect(try refusal({ _ = try SampleParams($0) }, #"{"count":0}"#) == .invalidValue)
        #expect(try refusal({ _ = try SampleParams($0) }, #"{"count":1,"temperature":0}"#) == .invalidValue)
        // Above 0 as a Double, 0 as the Float the engine samples in (a fuzzer found it trapping the daemon).
        #expect(try refusal({ _ = try SampleParams($0) }, #"{"count":1,"temperature":1e-300}"#) == .invalidValue)
        #expect(try refusal({ _ = try SampleParams($0) }, #"{"count":1,"seed":-1}"#) == .invalidParams)
        #expect(try refusal({ _ = try SampleParams($0) }, #"{"count":1,"output":"gif"}"#) == .invalidParams)
        #expect(try refusal({ _ = try EncodeParams($0) }, #"{"images":[]}"#) == .invalidParams)
        #expect(try refusal({ _ = try DecodeParams($0) }, #"{"model":3,"z":[[0]]}"#) == .invalidParams)
        #expect(try refusal({ _ = try StatsParams($0) }, #"{"format":"xml"}"#) == .invalidParams)
        #expect(try refusal({ _ = try DecodeParams($0).codes(zDim: 2, limit: 4) }, #"{"z":[[0,1,2]]}"#) == .shapeMismatch)
    }

    @Test func errorRepliesAreReadAsTheirTypes() throws {
        for error in [RPCError.modelNotFound("x", loaded: ["a"]), .overloaded(retryAfterMilliseconds: 3), .shuttingDown] {
            let line = RPCResponse.failure(id: .string("q"), error)
            let reply = try #require(RPCReply(try JSONParser().parse(Array(line.dropLast()))))
            #expect(reply.id == .string("q"))
            guard case .error(let read) = reply.outcome else { Issue.record("not an error reply"); continue }
            #expect(read.type == error.type && read.code == error.code && read.message == error.message)
        }
        // A type from a newer server is kept by name; clients switch on the code.
        let newer = try JSONParser().parse(Array(#"{"code":-32005,"message":"m","data":{"type":"brand_new"}}"#.utf8))
        let read = try #require(RPCErrorReply(newer))
        #expect(read.type == nil && read.typeName == "brand_new" && read.code == -32005)
    }
}
