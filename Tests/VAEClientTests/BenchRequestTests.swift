import Foundation
import Testing
import VAEJSON
import VAEProtocol

@testable import VAEClient

@Suite("Load generator requests and response scanning")
struct BenchRequestTests {
    @Test func everyPayloadFormDecodesToTheSameImageOnTheServerSide() throws {
        let image = BenchRequest.syntheticImage(height: 28, width: 28)
        #expect(image.pixels.max()! > 240 && image.pixels.min() == 0, "a bright shape on black")
        let server = ImagePayload(height: 28, width: 28)
        var decoded: [[Float]] = []
        for payload in BenchRequest.Payload.allCases {
            let params = JSONValue.object([
                JSONMember(key: "images", value: .array(try BenchRequest.images(image, count: 2, payload: payload)))
            ])
            let line = RPCRequest(id: .number(JSONNumber(1)), method: "encode", params: params).line
            #expect(line.last == 0x0A)
            let request = try JSONParser().parse(Array(line.dropLast()))
            #expect(request["method"] == .string("encode") && request["id"] == .number(JSONNumber(1)))
            let values = try server.decode(request["params"]?["images"], limit: 10)
            #expect(values.count == 2)
            decoded.append(values.values)
        }
        let exact = image.pixels.map { Float($0) / 255 }
        #expect(decoded[0] == exact + exact, "u8")
        #expect(decoded[2] == exact + exact, "png")
        #expect(zip(decoded[1], exact + exact).allSatisfy { abs($0 - $1) <= 0.5 / 255 }, "array, 4 decimals")
    }

    @Test func latentCodesAreDeterministicAndSized() {
        let codes = BenchRequest.latentCodes(count: 3, zDim: 5)
        #expect(codes.arrayValue?.count == 3 && codes.arrayValue?.allSatisfy { $0.arrayValue?.count == 5 } == true)
        #expect(codes == BenchRequest.latentCodes(count: 3, zDim: 5))
    }

    @Test func onlyTopLevelErrorsCountAsErrors() {
        func type(_ line: String) -> String? {
            Array(line.utf8).withUnsafeBytes { LoadConnection.errorType($0) }
        }
        #expect(type(#"{"jsonrpc":"2.0","id":1,"result":{"status":"ok"}}"#) == nil)
        #expect(
            type(#"{"jsonrpc":"2.0","id":1,"error":{"code":-32002,"message":"m","data":{"type":"overloaded"}}}"#)
                == "overloaded")
        #expect(type(#"{"jsonrpc":"2.0","id":1,"result":{"note":{"error":1}}}"#) == nil, "a nested member named error")
        #expect(type(#"{"id":1,"error":{"code":1}"#) == "unreadable")
        #expect(type(#"{"error":"#) == "unreadable")
        #expect(!LoadConnection.contains(Array("\"error\":".utf8), in: UnsafeBufferPointer(start: nil, count: 0)))
    }
}
