import Foundation
import Testing
import VAEFormat
import VAEImage
import VAEJSON
import VAEModel
import VAEServing
import VAETestSupport

/// Models of the user's own data over the line protocol: RGB images, Gaussian decoders.
@Suite("Method handler: RGB and Gaussian models")
struct OwnDataTests {
    let helper = MethodHandlerTests()

    func model(_ name: String, channels: Int = 1, likelihood: Likelihood = .bernoulli) throws -> ServedModel {
        try ServedModel(name: name, path: writeTinyModelFile(name, kind: .vae, channels: channels, likelihood: likelihood))
    }

    func base64Bytes(_ item: JSONValue, _ key: String) throws -> [UInt8] {
        let text = try #require(item[key]?.stringValue)
        return [UInt8](try #require(Data(base64Encoded: text)))
    }

    @Test("an RGB model takes RGB images in every form and answers RGB PNGs")
    func rgbModelEndToEnd() async throws {
        try await withResponder([try model("rgb", channels: 3)]) { handler in
            let models = try await helper.result(handler, #"{"id":1,"method":"models"}"#)["models"]?.arrayValue
            #expect(models?.first?["image"]?["channels"]?.integerValue == 3)
            #expect(models?.first?["data"]?["kind"]?.stringValue == "image")

            let bytes = (0..<36).map { UInt8(($0 * 37) % 256) }
            let nested = (0..<4).map { y in
                "[" + (0..<3).map { x in
                    "[" + (0..<3).map { k in "\(Double(bytes[(y * 3 + x) * 3 + k]) / 255)" }.joined(separator: ",") + "]"
                }.joined(separator: ",") + "]"
            }.joined(separator: ",")
            let png = try PNG.encode(PixelImage(width: 3, height: 4, channels: 3, pixels: bytes))
            let items = "[[\(nested)],{\"u8\":\"\(Data(bytes).base64EncodedString())\"},"
                + "{\"png\":\"\(Data(png).base64EncodedString())\"}]"
            let encoded = try await helper.result(handler, #"{"id":2,"method":"encode","params":{"images":\#(items)}}"#)
            let mu = helper.floats(encoded["mu"])
            #expect(mu.count == 3)
            #expect(mu[1] == mu[2], "u8 and PNG carry the same bytes")
            let close = agreement(mu[0], mu[1], within: Tolerance.batching)
            #expect(close.holds, "nested floats and bytes: \(close)")

            let arrays = try await helper.result(
                handler, #"{"id":3,"method":"denoise","params":{"images":\#(items),"output":"array"}}"#)
            let values = helper.floats(arrays["images"])
            #expect(values.count == 3 && values.allSatisfy { $0.count == 36 })
            let pngs = try await helper.result(
                handler, #"{"id":4,"method":"denoise","params":{"images":\#(items),"output":"png"}}"#)
            let images = try (pngs["images"]?.arrayValue ?? []).map { try PNG.decode(try base64Bytes($0, "png"), channels: 4) }
            #expect(images.count == 3)
            for (image, floats) in zip(images, values) {
                let rgb = (0..<12).flatMap { p in image.pixels[(p * 4)..<(p * 4 + 3)] }
                #expect(rgb == floats.map { UInt8(($0 * 255).rounded()) }, "an RGB PNG of the decoded values")
            }
        }
    }

    @Test("a Gaussian image model's means are written raw as arrays and clipped to [0, 1] as u8")
    func gaussianImagesClippedOnlyAsBytes() async throws {
        try await withResponder([try model("g", likelihood: .gaussian)]) { handler in
            let raw = try await helper.result(handler, #"{"id":1,"method":"sample","params":{"count":8,"seed":3}}"#)
            let values = helper.floats(raw["images"]).joined()
            #expect(values.contains { $0 < 0 || $0 > 1 }, "identity outputs of random weights leave [0, 1]")
            let u8 = try await helper.result(
                handler, #"{"id":2,"method":"sample","params":{"count":8,"seed":3,"output":"u8"}}"#)
            let bytes = try (u8["images"]?.arrayValue ?? []).flatMap { try base64Bytes($0, "u8") }
            #expect(bytes == values.map { UInt8((min(max($0, 0), 1) * 255).rounded()) })
        }
    }

    static let weather = DataDescription(
        kind: .table, likelihood: .gaussian, variance: 0.25,
        normalisation: .init(mean: [12.5, 1013.25, 0.625, 3.5, 0.75], std: [7.5, 8.25, 0.125, 2.0, 1.5]),
        features: ["temperature", "pressure", "humidity", "wind_speed", "rainfall"])

    @Test("a table model takes rows (or flat images) and answers rows in the data's units")
    func tableModelEndToEnd() async throws {
        let table = try ServedModel(name: "weather", path: writeTinyModelFile("weather", kind: .vae, data: Self.weather))
        try await withResponder([table]) { handler in
            let models = try await helper.result(handler, #"{"id":1,"method":"models"}"#)["models"]?.arrayValue
            let data = models?.first?["data"]
            #expect(data?["kind"]?.stringValue == "table" && data?["likelihood"]?.stringValue == "gaussian")
            #expect(data?["normalised"] == .bool(true) && data?["features"]?.arrayValue?.count == 5)

            let rows = "[[20,1000,0.5,7,-1],[5,1020,0.75,0,3]]"
            let encoded = try await helper.result(handler, #"{"id":2,"method":"encode","params":{"rows":\#(rows)}}"#)
            let asImages = try await helper.result(handler, #"{"id":3,"method":"encode","params":{"images":\#(rows)}}"#)
            #expect(helper.floats(encoded["mu"]).count == 2)
            #expect(helper.floats(encoded["mu"]) == helper.floats(asImages["mu"]), "rows and flat images are the same")

            let mu = helper.floats(encoded["mu"]).map { "[\($0[0]),\($0[1])]" }.joined(separator: ",")
            let decoded = try await helper.result(handler, #"{"id":4,"method":"decode","params":{"z":[\#(mu)]}}"#)
            #expect(decoded["images"] == nil)
            let decodedRows = helper.floats(decoded["rows"])
            #expect(decodedRows.count == 2 && decodedRows.allSatisfy { $0.count == 5 })
            #expect(decodedRows.joined().contains { $0 > 100 }, "pressure de-standardised, around 1013")
            let denoised = try await helper.result(handler, #"{"id":5,"method":"denoise","params":{"rows":\#(rows)}}"#)
            #expect(helper.floats(denoised["rows"]).count == 2)
            let sampled = try await helper.result(handler, #"{"id":6,"method":"sample","params":{"count":3,"seed":1}}"#)
            #expect(helper.floats(sampled["rows"]).count == 3 && helper.floats(sampled["z"]).count == 3)
            #expect(sampled["seed"]?.integerValue == 1)

            func refusal(_ line: String) async throws -> JSONValue? { try await helper.call(handler, line)["error"] }
            let png = try await refusal(#"{"id":7,"method":"sample","params":{"count":1,"output":"png"}}"#)
            #expect(png?["data"]?["type"]?.stringValue == "invalid_params")
            #expect(png?["message"]?.stringValue?.contains("table model") == true)
            let u8 = try await refusal(#"{"id":8,"method":"encode","params":{"images":[{"u8":"AAAAAAA="}]}}"#)
            #expect(u8?["message"]?.stringValue?.contains("table model") == true)
            let big = try await refusal(#"{"id":9,"method":"encode","params":{"rows":[[0,0,0,0,0],[0,1e39,0,0,0]]}}"#)
            #expect(big?["data"]?["type"]?.stringValue == "invalid_value")
            #expect(big?["message"]?.stringValue?.hasPrefix(#"row 1, column 1 ("pressure")"#) == true)
            let short = try await refusal(#"{"id":10,"method":"denoise","params":{"rows":[[0,0,0,0]]}}"#)
            #expect(short?["data"]?["type"]?.stringValue == "shape_mismatch")
        }
        // An image model refuses rows.
        try await withResponder([try model("grey")]) { handler in
            let rows = try await helper.call(handler, #"{"id":1,"method":"encode","params":{"rows":[[0]]}}"#)["error"]
            #expect(rows?["message"]?.stringValue?.contains("params.rows is for table models") == true)
        }
    }
}
