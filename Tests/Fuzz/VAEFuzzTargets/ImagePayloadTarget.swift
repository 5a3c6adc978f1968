#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VAEFiles
import VAEImage
import VAEJSON
import VAEProtocol

extension FuzzTarget {
    /// Image payloads as a request carries them, for a 28×28 model, grey and RGB, and as a table model's rows. The
    /// first byte picks the form, the rest is the payload: 0 a PNG file (libpng on untrusted bytes;
    /// `{"png": base64}`), 1 raw u8 pixels (`{"u8": base64}`), 2 the JSON text of `params.images` (flat or nested
    /// number arrays, objects). A PNG is also decoded on its own, at any size up to `maximumPNGPixels`, and must
    /// survive a round trip through the project's PNG writer.
    static let imagePayload = FuzzTarget(name: "FuzzImagePayload", summary: "request images: PNG (libpng), u8 and number arrays") { data in
        var properties = Properties()
        guard let form = data.first else { return properties.outcome }
        let payload = Array(data.dropFirst())
        let images = ImagePayload(height: 28, width: 28)
        let items: [JSONValue]
        switch form % 3 {
        case 0:
            checkPNG(payload, &properties)
            items = [.object([JSONMember(key: "png", value: .string(Data(payload).base64EncodedString()))])]
        case 1:
            items = [.object([JSONMember(key: "u8", value: .string(Data(payload).base64EncodedString()))])]
        default:
            guard let value = try? JSONParser().parse(payload) else { return properties.outcome }
            guard case .array(let list) = value, !list.isEmpty else { return properties.outcome }
            items = list
        }
        // The same items for a grey and an RGB model of this size: pixels in [0, 1] either way.
        for payload in [images, ImagePayload(height: 28, width: 28, channels: 3)] {
            do throws(RPCError) {
                let (values, count) = try payload.decode(items: items, limit: FuzzModels.maxBatch)
                properties.accepted = true
                properties.expect(count == items.count && values.count == count * payload.pixelCount,
                                  "\(count) images decoded into \(values.count) values")
                properties.expect(values.allSatisfy { $0 >= 0 && $0 <= 1 }, "a decoded pixel outside [0, 1]")
            } catch {
                properties.expect(!error.message.isEmpty, "a refusal without a message")
            }
        }
        // And as a table model's rows (5 numbers a row): finite values, any size.
        do throws(RPCError) {
            let table = TablePayload(features: 5)
            let (values, count) = try table.decode(rows: .array(items), limit: FuzzModels.maxBatch)
            properties.expect(values.count == count * 5 && values.allSatisfy(\.isFinite), "a table row read wrong")
        } catch {
            properties.expect(!error.message.isEmpty, "a refusal without a message")
        }
        return properties.outcome
    }

    /// The largest PNG the target decodes on its own: 4 MiB of grey pixels, so that libFuzzer's malloc limit can
    /// tell a real unbounded allocation from a large image (requests refuse any size but the model's first).
    static let maximumPNGPixels = 1 << 22

    static func checkPNG(_ bytes: [UInt8], _ properties: inout Properties) {
        guard let size = try? PNG.size(of: bytes), size.height * size.width <= maximumPNGPixels else { return }
        for channels in [1, 3] {
            guard let image = try? PNG.decode(bytes, channels: channels) else { continue }
            properties.expect(image.height == size.height && image.width == size.width,
                              "the header said \(size.height)×\(size.width), decoding gave \(image.height)×\(image.width)")
            properties.expect(image.pixels.count == image.height * image.width * channels, "a PNG's pixel count is wrong")
            do {
                let again = try PNG.decode(PNG.encode(image), channels: channels)
                properties.expect(again == image, "a decoded PNG changed through encode → decode")
            } catch {
                properties.fail("a decoded PNG could not be written and read back: \(error)")
            }
        }
    }
}
