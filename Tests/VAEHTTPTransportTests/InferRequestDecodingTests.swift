import Testing
@testable import VAEHTTPTransport
import VAEJSON
import VAEOpenInference

/// A V2 infer body as the decoder reads it: the request in a line of text, or the refusal as `kind: message`.
func decoded(_ json: String, binary: [UInt8] = []) -> String {
    decoded(bytes: Array(json.utf8) + binary, headerLength: binary.isEmpty ? nil : json.utf8.count)
}

func decoded(bytes body: [UInt8], headerLength: Int? = nil, numbersFirst: Bool = true) -> String {
    do {
        let request = try body.withUnsafeBytes {
            try InferRequestDecoding.request(body: $0, headerLength: headerLength, numbersFirst: numbersFirst)
        }
        let parameters = request.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let inputs = request.inputs.map { "\($0.name) \($0.datatype) \($0.shape) \($0.values)" }
        let outputs = request.outputs.map { $0.map { "\($0.name)\($0.binary ? " binary" : "")" } }
        return "id \(request.id ?? "-") parameters \(parameters) inputs \(inputs) outputs \(outputs ?? ["all"])"
    } catch let error as InferenceError {
        return "\(error.kind.rawValue): \(error.message)"
    } catch {
        return "not an InferenceError: \(error)"
    }
}

/// One input named x around `tensor`'s members.
func input(_ tensor: String) -> String { #"{"inputs":[{"name":"x","# + tensor + "}]}" }

/// Bodies that are read, and a part of what they read as.
let wellFormedBodies: [(String, String)] = [
    (input(#""shape":[2],"datatype":"UINT8","data":[1,2]"#), #"inputs ["x UINT8 [2] unsigned([1, 2])"]"#),
    (input(#""shape":[2,2],"datatype":"INT8","data":[[1,-2],[3,4]]"#), "signed([1, -2, 3, 4])"),
    (input(#""shape":[3],"datatype":"FP32","data":[0.5,1,1e-3]"#), "floats([0.5, 1.0, 0.001])"),
    (input(#""shape":[1,2],"datatype":"FP64","data":[[0.1,-2E+2]]"#), "doubles([0.1, -200.0])"),
    (input(#""shape":[2],"datatype":"FP16","data":[1.5, 2]"#), "doubles([1.5, 2.0])"),
    (input(#""shape":[2],"datatype":"BOOL","data":[true,false]"#), "bools([true, false])"),
    (input(#""shape":[3],"datatype":"UINT64","data":[18446744073709551615,9007199254740993,-0]"#),
     "unsigned([18446744073709551615, 9007199254740993, 0])"),
    (input(#""shape":[2],"datatype":"INT64","data":[-9223372036854775808,-9007199254740993]"#),
     "signed([-9223372036854775808, -9007199254740993])"),
    (#"{"inputs":[{"data":[7,8],"datatype":"UINT16","shape":[2],"name":"x"}]}"#, "x UINT16 [2] unsigned([7, 8])"),
    (input(#""shape":[],"datatype":"UINT32","data":5"#), "unsigned([5])"),
    (input(#""shape":[0],"datatype":"UINT8","data":[]"#), "unsigned([])"),
    (input(#""shape":[1,0],"datatype":"INT16","data":[[]]"#), "signed([])"),
    (input(#""shape":[2],"datatype":"UINT8","data":[[[1]],[[2]]]"#), "unsigned([1, 2])"),
    (input(#""shape":[1],"datatype":"UINT8","data":"# + String(repeating: "[", count: 13) + "1"
            + String(repeating: "]", count: 13)), "unsigned([1])"),  // 16 deep: the limit
    (" {\n \"inputs\" : [ { \"name\" : \"x\" , \"shape\" : [ 2 ] , \"datatype\" : \"UINT8\" ,"
        + " \"data\" : [ 1 , 2 ] } ] } ",
     "unsigned([1, 2])"),
    (#"{"id":"r1","parameters":{"a":-3,"b":18446744073709551615,"c":1.5,"d":true,"e":"s","f":1e2},"#
        + #""inputs":[{"name":"x","shape":[1],"datatype":"UINT8","data":[0],"extra":{"k":[1,{"z":null}]}}],"#
        + #""outputs":[{"name":"mu"},{"name":"sigma","parameters":{"binary_data":true}}],"more":[[]]}"#,
     #"id r1 parameters ["a=int(-3)", "b=uint(18446744073709551615)", "c=double(1.5)", "d=bool(true)", "#
        + #""e=string(\"s\")", "f=double(100.0)"] inputs ["x UINT8 [1] unsigned([0])"] "#
        + #"outputs ["mu", "sigma binary"]"#),
    (#"{"parameters":{"binary_data_output":true},"inputs":[{"name":"x","shape":[1],"datatype":"UINT8","data":[3]}],"#
        + #""outputs":[{"name":"mu"},{"name":"z","parameters":{"binary_data":false}}]}"#,
     #"outputs ["mu binary", "z"]"#),
    (#"{"inputs":[{"name":"a","shape":[1],"datatype":"UINT8","data":[1]},"#
        + #"{"name":"b","shape":[2],"datatype":"FP32","data":[2,3]}]}"#,
     #"inputs ["a UINT8 [1] unsigned([1])", "b FP32 [2] floats([2.0, 3.0])"]"#),
]

/// Bodies that are refused, and the start of the refusal.
let refusedBodies: [(String, String)] = [
    // Values that do not fit the datatype, flat and nested: the element as written, and its flat index.
    (input(#""shape":[2],"datatype":"UINT8","data":[1,1.0]"#),
     "invalid_value: Input 'x' (UINT8) has 1.0 at element 1; elements are unsigned integers."),
    (input(#""shape":[1],"datatype":"UINT16","data":[-1]"#),
     "invalid_value: Input 'x' (UINT16) has -1 at element 0; elements are unsigned integers."),
    (input(#""shape":[1],"datatype":"UINT8","data":["a"]"#),
     #"invalid_value: Input 'x' (UINT8) has "a" at element 0; elements are unsigned integers."#),
    (input(#""shape":[1],"datatype":"UINT64","data":[18446744073709551616]"#),
     "invalid_value: Input 'x' (UINT64) has 18446744073709551616 at element 0; elements are unsigned integers."),
    (input(#""shape":[1],"datatype":"INT32","data":[1e2]"#),
     "invalid_value: Input 'x' (INT32) has 1e2 at element 0; elements are integers."),
    (input(#""shape":[1],"datatype":"INT64","data":[9223372036854775808]"#),
     "invalid_value: Input 'x' (INT64) has 9223372036854775808 at element 0; elements are integers."),
    (input(#""shape":[1],"datatype":"FP32","data":[true]"#),
     "invalid_value: Input 'x' (FP32) has true at element 0; elements are numbers."),
    (input(#""shape":[2,2],"datatype":"FP64","data":[[1,2],[3,null]]"#),
     "invalid_value: Input 'x' (FP64) has null at element 3; elements are numbers."),
    (input(#""shape":[2],"datatype":"UINT8","data":[1,{"a":[2]}]"#),
     #"invalid_value: Input 'x' (UINT8) has {"a":[2]} at element 1; elements are unsigned integers."#),
    (input(#""shape":[1],"datatype":"BOOL","data":[1]"#),
     "invalid_value: Input 'x' (BOOL) has 1 at element 0; elements are true or false."),
    (input(#""shape":[1],"datatype":"BYTES","data":[1]"#),
     "invalid_params: Input 'x' is BYTES; no model here takes BYTES tensors."),
    (input(#""shape":[1],"datatype":"UINT7","data":[1]"#),
     "invalid_params: Input 'x' has datatype 'UINT7', which is not a V2 datatype."),
    // Malformed JSON anywhere, the data included: the parser's reason and byte offset.
    (input(#""shape":[2],"datatype":"UINT8","data":[1,2,]"#),
     "parse_error: The request body is not valid JSON: unexpected character at byte 66."),
    (input(#""shape":[2],"datatype":"UINT8","data":[1,02]"#),
     "parse_error: The request body is not valid JSON: unexpected character at byte 65."),
    (input(#""shape":[2],"datatype":"UINT8","data":[1,1e400]"#),
     "parse_error: The request body is not valid JSON: number too large for a double at byte 64."),
    (input(#""shape":[2],"datatype":"UINT8","data":[1,2"#),
     "parse_error: The request body is not valid JSON: unexpected character at byte 65."),
    (input(#""shape":[2],"datatype":"UINT8","data":[1,2]"#) + " x",
     "parse_error: The request body is not valid JSON: trailing characters after the value at byte 70."),
    (input(#""shape":[2],"name":"y","datatype":"UINT8","data":[1,2]"#),
     "parse_error: The request body is not valid JSON: duplicate key at byte 35: name."),
    (input(#""shape":[2],"datatype":"UINT8","data":[1,2],"data":[3]"#),
     "parse_error: The request body is not valid JSON: duplicate key at byte 67: data."),
    (#"{"inputs":[],"inputs":[]}"#,
     "parse_error: The request body is not valid JSON: duplicate key at byte 13: inputs."),
    (input(#""shape":[1],"datatype":"UINT8","data":"# + String(repeating: "[", count: 14) + "1"
            + String(repeating: "]", count: 14)),
     "parse_error: The request body is not valid JSON: nesting too deep at byte 74."),
    ("", "parse_error: The request body is not valid JSON: unexpected end of input at byte 0."),
    // Structure.
    ("[1]", "invalid_request: The request body must be a JSON object."),
    ("{}", "invalid_request: The request needs 'inputs', an array of tensors."),
    (#"{"inputs":{}}"#, "invalid_request: The request needs 'inputs', an array of tensors."),
    (#"{"inputs":[1]}"#, "invalid_request: inputs[0] must be an object with a 'name'."),
    (#"{"inputs":[{"name":3}]}"#, "invalid_request: inputs[0] must be an object with a 'name'."),
    (input(#""shape":[1],"data":[1]"#), "invalid_request: Input 'x' needs a 'datatype' (such as UINT8 or FP32)."),
    (input(#""datatype":"UINT8","data":[1]"#), "invalid_request: Input 'x' needs a 'shape', an array of sizes."),
    (input(#""shape":[1.5],"datatype":"UINT8","data":[1]"#),
     "invalid_request: Input 'x' has a shape entry that is not a size: 1.5."),
    (input(#""shape":[-1],"datatype":"UINT8","data":[1]"#),
     "invalid_request: Input 'x' has a shape entry that is not a size: -1."),
    (input(#""shape":[1],"datatype":"UINT8""#),
     "invalid_request: Input 'x' has neither 'data' nor a binary_data_size parameter."),
    (input(#""shape":[1],"datatype":"UINT8","data":[1],"parameters":{"binary_data_size":0}"#),
     "invalid_request: Input 'x' has both 'data' and binary_data_size; give one."),
    (input(#""shape":[1],"datatype":"UINT8","data":[1],"parameters":[]"#),
     "invalid_request: 'input 'x' parameters' must be an object."),
    (#"{"id":1,"inputs":[]}"#, "invalid_request: 'id' must be a string."),
    (#"{"parameters":{"a":[]},"inputs":[]}"#, "invalid_request: 'parameters.a' must be a boolean, number or string."),
    (#"{"inputs":[],"outputs":{}}"#, "invalid_request: 'outputs' must be an array."),
    (#"{"inputs":[],"outputs":[{}]}"#, "invalid_request: outputs[0] needs a 'name'."),
    (#"{"inputs":[],"outputs":[{"name":"mu","parameters":{"binary_data":1}}]}"#,
     "invalid_request: outputs[0].parameters.binary_data must be a boolean."),
    // The first input's refusal comes before the second's, whichever kind each is.
    (#"{"inputs":[{"name":"a","shape":[1],"datatype":"UINT8","data":[-1]},{"name":"b"}]}"#,
     "invalid_value: Input 'a' (UINT8) has -1 at element 0; elements are unsigned integers."),
    (#"{"inputs":[{"name":"a"},{"name":"b","shape":[1],"datatype":"UINT8","data":[-1]}]}"#,
     "invalid_request: Input 'a' needs a 'datatype' (such as UINT8 or FP32)."),
]

@Suite("Reading V2 infer bodies")
struct InferRequestDecodingTests {
    @Test(arguments: wellFormedBodies)
    func readsWellFormedBodies(json: String, expected: String) {
        let answer = decoded(json)
        #expect(answer.contains(expected), "\(json)\n\(answer)")
    }

    @Test func refusesInvalidUTF8() {
        let body = Array(input(#""shape":[1],"datatype":"UINT8","data":[1]"#).utf8)
        for position in [body.count - 3, 18] {  // in the data array, in the name
            var bad = body
            bad.insert(0xFF, at: position)
            #expect(decoded(bytes: bad).hasPrefix("parse_error: The request body is not valid JSON: "))
        }
    }

    /// Tensor data read straight into numbers gives what reading it as JSON values gives, refusals included, for the
    /// bodies above and for many bodies spoilt at random.
    @Test func numbersFirstReadsAsJSONValuesRead() {
        let bodies = (wellFormedBodies + refusedBodies).map { Array($0.0.utf8) }
        for body in bodies {
            #expect(decoded(bytes: body) == decoded(bytes: body, numbersFirst: false),
                    "\(String(decoding: body, as: UTF8.self))")
        }
        let alphabet = Array(#"[]{},:"-+.eE0123456789 tfnu\"#.utf8) + [0xFF, 0x01]
        var state: UInt64 = 0x2545_F491_4F6C_DD1D  // a fixed xorshift sequence: the same bodies every run
        func next(_ bound: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(bound))
        }
        let valid = [input(#""shape":[2,3],"datatype":"UINT8","data":[[1,2,3],[4,5,255]]"#),
                     input(#""shape":[3],"datatype":"FP32","data":[0.5,-1e-3,7]"#),
                     input(#""shape":[2],"datatype":"INT64","data":[-9007199254740993,12]"#)].map { Array($0.utf8) }
        var refusals = 0
        for round in 0..<20_000 {
            var body = valid[round % valid.count]
            for _ in 0...next(3) {
                let position = next(body.count)
                switch next(3) {
                case 0: body[position] = alphabet[next(alphabet.count)]
                case 1: body.insert(alphabet[next(alphabet.count)], at: position)
                default: body.remove(at: position)
                }
            }
            let answer = decoded(bytes: body)
            #expect(answer == decoded(bytes: body, numbersFirst: false), "\(String(decoding: body, as: UTF8.self))")
            if !answer.hasPrefix("id ") { refusals += 1 }
        }
        #expect(refusals > 10_000 && refusals < 20_000, "mostly refused, some read: \(refusals)")
    }

    @Test func dataOfNumbersIsReadStraightIntoNumbers() throws {
        let pixels = (0..<784).map { String($0 % 256) }.joined(separator: ",")
        for (data, integers) in [("[" + pixels + "]", true), ("[[1.5,2],[3,4]]", false)] {
            let text = Array(input(#""shape":[1,28,28],"datatype":"UINT8","data":"# + data).utf8)
            let read = try text.withUnsafeBufferPointer { try InferRequestDecoding.readWithTensorData($0) }
            let numbers = try #require(read.data.first ?? nil)
            #expect(numbers.values.count == (integers ? 784 : 4) && numbers.areIntegerLiterals == integers)
            #expect(read.json["inputs"]?.arrayValue?.first?["data"] == .array([]), "an empty array in its place")
        }
        let mixed = Array(input(#""shape":[2],"datatype":"BOOL","data":[true,false]"#).utf8)
        let read = try mixed.withUnsafeBufferPointer { try InferRequestDecoding.readWithTensorData($0) }
        #expect(read.data.count == 1 && read.data[0] == nil)
        #expect(read.json["inputs"]?.arrayValue?.first?["data"]?.arrayValue?.count == 2, "left in the JSON")
    }

    @Test func readsBinaryTensorData() {
        let json = #"{"inputs":[{"name":"x","shape":[3],"datatype":"UINT8","parameters":{"binary_data_size":3}}]}"#
        #expect(decoded(json, binary: [9, 8, 7]).contains("x UINT8 [3] raw([9, 8, 7])"))
    }

    @Test(arguments: refusedBodies)
    func refusesWithTheSameWords(json: String, expected: String) {
        let answer = decoded(json)
        #expect(answer.hasPrefix(expected), "\(json)\n\(answer)")
    }
}
