import Testing
import VAEFiles
import VAEFormat

@Suite("Golden vectors read to the manifest's values")
struct GoldenVectorTests {
    let manifest: VectorManifest

    init() throws {
        manifest = try VectorManifest.load()
    }

    @Test func everyGoldenFileReadsToTheManifestHashesInIndexOrder() throws {
        #expect(manifest.golden.count >= 9)
        for golden in manifest.golden {
            let file = try VAEZReader.read(path: VectorManifest.path(golden.file))
            #expect("\(file.version)" == golden.version, "\(golden.file)")
            #expect(file.metadata.architecture.kind.rawValue == golden.kind, "\(golden.file)")
            #expect(file.tensors.map(\.name) == golden.tensors.map(\.name), "\(golden.file): tensor order")
            for (tensor, expected) in zip(file.tensors, golden.tensors.map(\.tensor)) {
                #expect(tensor.shape == expected.shape, "\(golden.file) \(tensor.name)")
                #expect(tensor.dtype.description == expected.dtype, "\(golden.file) \(tensor.name)")
                #expect(ReferenceSHA256.hex(floats: tensor.values) == expected.sha256, "\(golden.file) \(tensor.name)")
                #expect(tensor.section.codecName == golden.codecs[tensor.name], "\(golden.file) \(tensor.name)")
            }
        }
    }

    @Test func fileDigestsAreTheFootersAndTheWholeFiles() throws {
        let path = VectorManifest.path("vae-f32.vaez")
        let bytes = try [UInt8](contentsOfFile: path)
        let file = try VAEZReader.read(bytes: bytes)
        #expect(file.fileSize == bytes.count)
        #expect(file.fileSHA256 == ReferenceSHA256.hex(bytes))
        #expect(file.contentSHA256 == ReferenceSHA256.hex(Array(bytes[..<(bytes.count - 40)])))
        let footer = bytes[(bytes.count - 40)..<(bytes.count - 8)].map { String(format2: $0) }.joined()
        #expect(file.contentSHA256 == footer)
    }

    @Test func optionalFeaturesUnknownSectionsAndExtraKeysAreCarried() throws {
        let file = try VAEZReader.read(path: VectorManifest.path("vae-f32-v1.1-optional.vaez"))
        #expect(file.version.minor == 1)
        #expect(file.optionalFeatures == UInt64(1) | UInt64(1) << 63)
        #expect(file.sections.contains { $0.kind == .unknown(99) && !$0.isRequired })
        // epochs is stored as 10.0: still the integer 10.
        #expect(file.metadata.training.epochs == 10)
        let document = try #require(file.metadata.document)
        let known: Set<String> = ["architecture", "training", "latent", "producer", "created"]
        #expect(document.members!.contains { !known.contains($0.key) }, "unknown top-level keys are kept")
    }

    @Test func nullableMetadataValuesReadAsNil() throws {
        let file = try VAEZReader.read(path: VectorManifest.path("vae-f32-nohidden.vaez"))
        let training = file.metadata.training
        #expect(training.dataset.name == nil && training.dataset.sha256 == nil)
        #expect(training.epochs == nil && training.lr == nil && training.classLabel == nil && training.threads == nil)
        #expect(file.metadata.producer.gitCommit == nil)
        #expect(file.metadata.architecture.hidden.isEmpty)
    }
}

extension String {
    /// Two lowercase hex digits.
    init(format2 byte: UInt8) {
        let digits = String(byte, radix: 16)
        self = digits.count == 1 ? "0" + digits : digits
    }
}

extension Array where Element == UInt8 {
    init(contentsOfFile path: String) throws {
        self = try VAEFiles.Files.read(path)
    }
}
