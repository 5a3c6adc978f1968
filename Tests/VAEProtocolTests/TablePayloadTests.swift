import Foundation
import Testing
import VAEJSON
import VAEProtocol

@Suite("Table rows in params and results")
struct TablePayloadTests {
    let table = TablePayload(features: 3, names: ["temperature", "pressure", "humidity"])

    func refusal(_ body: () throws -> Void) -> RPCError? {
        do {
            try body()
            return nil
        } catch let error as RPCError {
            return error
        } catch {
            return nil
        }
    }

    @Test("rows and flat images read the same any real numbers; results are written as they are")
    func rowsAndImagesReadTheSame() throws {
        let json = try JSONParser().parse(#"[[-12.5,1013.25,0.625],[1e30,-0.001,42]]"#)
        let rows = try table.decode(rows: json, limit: 4)
        let images = try table.decode(items: try #require(json.arrayValue), limit: 4)
        #expect(rows.count == 2 && rows.values == [-12.5, 1013.25, 0.625, 1e30, -0.001, 42])
        #expect(images.values == rows.values && images.count == 2)
        var writer = JSONWriter()
        rows.values.withUnsafeBufferPointer { table.write($0.baseAddress!, count: 2, into: &writer) }
        #expect(try table.decode(rows: JSONParser().parse(writer.bytes), limit: 2).values == rows.values)
        #expect(writer.bytes.count <= table.encodedSize(count: 2))
    }

    @Test("refusals name the row and the column")
    func refusalsNameRowAndColumn() throws {
        let huge = refusal { _ = try table.decode(rows: JSONParser().parse("[[0,0,0],[0,1e300,0]]"), limit: 4) }
        #expect(huge?.type == .invalidValue)
        #expect(huge?.message == #"row 1, column 1 ("pressure"): 1e+300 is not a finite 32-bit number."#)
        let text = refusal { _ = try table.decode(rows: JSONParser().parse(#"[[0,0,"x"]]"#), limit: 4) }
        #expect(text?.type == .invalidValue && text?.message.contains(#"row 0, column 2 ("humidity")"#) == true)
        let short = refusal { _ = try table.decode(rows: JSONParser().parse("[[0,0,0],[0,0]]"), limit: 4) }
        #expect(short?.type == .shapeMismatch && short?.details.first { $0.key == "index" }?.value.integerValue == 1)
        #expect(refusal { _ = try table.decode(rows: JSONParser().parse("[]"), limit: 4) }?.type == .invalidParams)
        #expect(refusal { _ = try table.decode(rows: nil, limit: 4) }?.type == .invalidParams)
        #expect(refusal { _ = try table.decode(rows: JSONParser().parse("[[0,0,0],[0,0,0]]"), limit: 1) }?.type == .tooLarge)
        let png = refusal {
            _ = try table.decode(items: [.object([JSONMember(key: "png", value: .string("AAAA"))])], limit: 4)
        }
        #expect(png?.type == .invalidParams && png?.message.contains("table model") == true)
        let unnamed = TablePayload(features: 2)
        let nan = refusal { _ = try unnamed.decode(rows: JSONParser().parse("[[0,-1e39]]"), limit: 4) }
        #expect(nan?.message == "row 0, column 1: -1e+39 is not a finite 32-bit number.")
    }

    @Test func encodeAndDenoiseTakeRowsOrImagesNotBoth() throws {
        let encode = EncodeParams(model: "weather", rows: [[1, 2, 3], [4.5, -6, 7]], sample: true, seed: 3)
        let read = try EncodeParams(serverSide(.encode, encode.json))
        #expect(read == encode && read.images.isEmpty && read.rows?.count == 2)
        let denoise = DenoiseParams(model: "weather", rows: [[1, 2, 3]])
        #expect(try DenoiseParams(serverSide(.denoise, denoise.json)) == denoise)
        let both = refusal { _ = try EncodeParams(Params(JSONParser().parse(#"{"images":[[0]],"rows":[[0]]}"#))) }
        #expect(both?.type == .invalidParams && both?.message.contains("not both") == true)
        let empty = refusal { _ = try DenoiseParams(Params(JSONParser().parse(#"{"rows":[]}"#))) }
        #expect(empty?.type == .invalidParams)
        let neither = refusal { _ = try EncodeParams(Params(JSONParser().parse(#"{}"#))) }
        #expect(neither?.message.contains("params.rows") == true)
    }
}
