import Foundation
import Testing
import VAEFormat
import VAEJSON

@Suite("The data description (format 1.1)")
struct DataDescriptionTests {
    /// The table golden: a gaussian model with every `data` key and a `source`. Its tensors are reused, since a
    /// network with an identity output cannot be built here yet.
    let table: VAEZFile

    init() throws {
        table = try VAEZReader.read(path: VectorManifest.path("table-gaussian-f32.vaez"))
    }

    static let tableData = DataDescription(
        kind: .table, likelihood: .gaussian, variance: 0.25,
        normalisation: .init(mean: [12.5, 1013.25, 0.625, 3.5, 0.75], std: [7.5, 8.25, 0.125, 2.0, 1.5]),
        features: ["température", "pressure", "humidity", "wind_speed", "rainfall"], classes: ["dry", "wet"])

    @Test func aVersion10FileReadsWithoutData() throws {
        let file = try VAEZReader.read(path: VectorManifest.path("vae-f32.vaez"))
        #expect(file.version.description == "1.0")
        #expect(file.metadata.data == nil)
        #expect(file.metadata.training.dataset.source == nil)
        #expect(file.metadata.dataDescription == .unrecorded)
        #expect(
            DataDescription.unrecorded
                == DataDescription(
                    kind: .image, likelihood: .bernoulli, variance: nil, normalisation: nil, features: nil,
                    classes: nil))
    }

    @Test func goldenFilesReadToTheirTypedValues() throws {
        #expect(table.version.description == "1.1")
        #expect(table.metadata.data == Self.tableData)
        #expect(
            table.metadata.training.dataset.source
                == .init(
                    format: "csv", path: "weather/train.csv", testPath: nil, testFraction: 0.2, splitSeed: 7,
                    labelColumn: "season", resize: nil, channels: nil))
        let rgb = try VAEZReader.read(path: VectorManifest.path("image-rgb-f32.vaez"))
        #expect(rgb.metadata.data == DataDescription(classes: ["cat", "dog", "bird"]), "a bernoulli image")
        #expect(rgb.metadata.architecture.input == .init(height: 2, width: 2, channels: 3))
        #expect(
            rgb.metadata.training.dataset.source
                == .init(
                    format: "image-folder", path: "pets/train", testPath: "pets/test", resize: [2, 2], channels: 3))
    }

    @Test func writingKeepsUnknownKeysUnderDataNormalisationAndSource() throws {
        var metadata = table.metadata
        var document = try #require(metadata.document)
        var data = try #require(document["data"])
        data = data.setting("future", to: .object([JSONMember(key: "kept", value: .bool(true))]))
        data = data.setting("normalisation", to: data["normalisation"]!.setting("clip", to: .number(JSONNumber(3.0))))
        var dataset = try #require(document["training"]?["dataset"])
        dataset = dataset.setting("source", to: dataset["source"]!.setting("delimiter", to: .string(";")))
        document = document.setting("data", to: data)
        document = document.setting("training", to: document["training"]!.setting("dataset", to: dataset))
        metadata.document = document
        metadata.data?.variance = 0.5  // a typed change is written, the unknown keys stay

        let file = try VAEZReader.read(bytes: try serialize(metadata))
        let written = try #require(file.metadata.document)
        #expect(written["data"]?["future"]?["kept"] == .bool(true))
        #expect(written["data"]?["normalisation"]?["clip"]?.doubleValue == 3.0)
        #expect(written["training"]?["dataset"]?["source"]?["delimiter"] == .string(";"))
        var expected = Self.tableData
        expected.variance = 0.5
        #expect(file.metadata.data == expected)
        #expect(file.metadata.training.dataset.source == table.metadata.training.dataset.source)
        #expect(file.version.minor == 1)
    }

    @Test func theWriterWritesMinor1ExactlyWhenThereIsData() throws {
        #expect(try VAEZReader.read(bytes: try serialize(table.metadata)).version.minor == 1)
        // The same model described as a 1.0 model: no data, the output a sigmoid, the source kept.
        var plain = table.metadata
        plain.data = nil
        plain.architecture.outputActivation = "sigmoid"
        let bytes = try serialize(plain)
        #expect(bytes[10] == 0 && bytes[11] == 0, "version_minor 0")
        let file = try VAEZReader.read(bytes: bytes)
        #expect(file.metadata.data == nil && file.metadata.document?["data"] == nil, "the stored data is dropped")
        #expect(file.metadata.training.dataset.source != nil, "provenance alone does not make a 1.1 file")
        // And back: a 1.0 model given a description becomes a 1.1 file.
        var described = file.metadata
        described.data = DataDescription(kind: .table, likelihood: .bernoulli, features: ["a", "b", "c", "d", "e"])
        let again = try VAEZReader.read(bytes: try serialize(described))
        #expect(again.version.minor == 1 && again.metadata.data == described.data)
    }

    @Test func writingWithoutSourceDropsTheStoredOne() throws {
        var metadata = table.metadata
        metadata.training.dataset.source = nil
        let file = try VAEZReader.read(bytes: try serialize(metadata))
        #expect(file.metadata.document?["training"]?["dataset"]?["source"] == nil)
        #expect(file.metadata.training.dataset.name == "weather")
    }

    @Test func theWriterRefusesWhatTheReaderWould() throws {
        func refusal(_ edit: (inout ModelMetadata) -> Void) -> String? {
            var metadata = table.metadata
            edit(&metadata)
            do {
                _ = try serialize(metadata)
                return nil
            } catch let error as VAEZError {
                return error.rule == .metadataInvalid ? error.message : "\(error.rule): \(error.message)"
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal { $0.architecture.outputActivation = "sigmoid" }?.hasPrefix("data.likelihood: ") == true)
        #expect(refusal { $0.data?.likelihood = .bernoulli }?.hasPrefix("data.likelihood: ") == true)
        #expect(refusal { $0.data?.variance = nil }?.hasPrefix("data.variance: ") == true)
        #expect(refusal { $0.data?.variance = 0 }?.hasPrefix("data.variance: ") == true)
        #expect(refusal { $0.data?.variance = .infinity }?.hasPrefix("data.variance: ") == true)
        #expect(refusal { $0.data?.normalisation?.std[0] = -1 }?.hasPrefix("data.normalisation.std: ") == true)
        #expect(refusal { $0.data?.normalisation?.mean.removeLast() }?.hasPrefix("data.normalisation.mean: ") == true)
        #expect(refusal { $0.data?.features?.append("x") }?.hasPrefix("data.features: ") == true)
        #expect(refusal { $0.data?.classes = (0...256).map(String.init) }?.hasPrefix("data.classes: ") == true)
        let column = ModelMetadata.Input(height: 5, width: 1, channels: 1)
        #expect(refusal { $0.architecture.input = column }?.hasPrefix("data.kind: ") == true)
        #expect(
            refusal { $0.training.dataset.source?.resize = [2] }?.hasPrefix("training.dataset.source.resize: ") == true)
        #expect(refusal { $0.data?.classes = (0..<256).map(String.init) } == nil, "256 classes are allowed")
        #expect(refusal { $0.data?.normalisation = nil } == nil)
        #expect(refusal { $0.data?.features = nil } == nil)
    }

    @Test func codableUsesTheSpecKeysAndWritesNulls() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let source = try #require(table.metadata.training.dataset.source)
        let sourceJSON = try JSONSerialization.jsonObject(with: try encoder.encode(source)) as? NSDictionary
        let stored = try #require(table.metadata.document?["training"]?["dataset"]?["source"])
        #expect(sourceJSON?.isEqual(stored.foundationObject) == true)
        let dataJSON = try JSONSerialization.jsonObject(with: try encoder.encode(Self.tableData)) as? NSDictionary
        #expect(dataJSON?.isEqual(try #require(table.metadata.document?["data"]).foundationObject) == true)
        let unrecorded = try encoder.encode(DataDescription.unrecorded)
        #expect(
            String(decoding: unrecorded, as: UTF8.self)
                == #"{"classes":null,"features":null,"kind":"image","likelihood":"bernoulli","#
                + #""normalisation":null,"variance":null}"#)
        let decoded = try JSONDecoder().decode(DataDescription.self, from: try encoder.encode(Self.tableData))
        #expect(decoded == Self.tableData)
        // The whole metadata: data present as an object, absent when nil (not null).
        let whole = try JSONSerialization.jsonObject(with: try encoder.encode(table.metadata)) as? [String: Any]
        #expect(whole?["data"] is [String: Any])
        var plain = table.metadata
        plain.data = nil
        let without = try JSONSerialization.jsonObject(with: try encoder.encode(plain)) as? [String: Any]
        #expect(without != nil && without?.keys.contains("data") == false)
    }

    @Test func likelihoodsNameTheirOutputActivation() {
        #expect(DataDescription.Likelihood.bernoulli.outputActivation == "sigmoid")
        #expect(DataDescription.Likelihood.gaussian.outputActivation == "identity")
    }

    func serialize(_ metadata: ModelMetadata) throws -> [UInt8] {
        try VAEZWriter.serialize(
            metadata: metadata, tensors: table.tensors.map(\.named), created: TestModels.fixedCreated)
    }
}
