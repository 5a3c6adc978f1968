import Foundation
import Testing
import VAEFormat
import VAEJSON
import VAETestSupport

@Suite("Swift and the Python reference agree")
struct CrossLanguageTests {
    let metadata = TestModels.metadata(TestModels.smallArchitecture)
    let tensors: [NamedTensor]

    init() throws {
        tensors = try TestModels.tensors(TestModels.smallArchitecture)
    }

    @Test(arguments: TensorDType.allCases)
    func swiftFilesPassPythonVerifyAndInspect(dtype: TensorDType) throws {
        try withTemporaryDirectory { directory in
            try checkSwiftFileInPython(dtype: dtype, path: directory + "/swift.vaez")
        }
    }

    func checkSwiftFileInPython(dtype: TensorDType, path: String) throws {
        try VAEZWriter.write(
            metadata: metadata, tensors: tensors, dtype: dtype, created: TestModels.fixedCreated,
            to: path)
        let verify = try PythonReference.tool(["verify", path])
        #expect(verify.status == 0, "\(verify.standardError)")
        #expect(verify.standardOutput == "\(path): ok\n")

        let inspect = try PythonReference.tool(["inspect", "--json", path])
        #expect(inspect.status == 0, "\(inspect.standardError)")
        let info = try #require(
            try JSONSerialization.jsonObject(with: Data(inspect.standardOutput.utf8)) as? [String: Any])
        let pythonTensors = try #require(info["tensors"] as? [[String: Any]])
        let swiftFile = try VAEZReader.read(path: path)
        #expect(pythonTensors.map { $0["name"] as? String } == swiftFile.tensors.map(\.name))
        #expect(pythonTensors.map { $0["shape"] as? [Int] } == swiftFile.tensors.map(\.shape))
        #expect(pythonTensors.map { $0["dtype"] as? String } == swiftFile.tensors.map(\.dtype.description))
        #expect(pythonTensors.map { $0["codec"] as? String } == swiftFile.tensors.map(\.section.codecName))
        #expect(info["version"] as? String == "1.0")
        let pythonMetadata = try #require(info["metadata"] as? NSDictionary)
        #expect(pythonMetadata.isEqual(try #require(swiftFile.metadata.document).foundationObject))

        // Both readers dequantise to the same float32 bits.
        let pythonHashes = try #require(try PythonReference.json("hashes", path) as? [String: String])
        for tensor in swiftFile.tensors {
            #expect(pythonHashes[tensor.name] == ReferenceSHA256.hex(floats: tensor.values), "\(dtype) \(tensor.name)")
        }
        if dtype == .f32 {
            #expect(swiftFile.tensors.map(\.values) == tensors.map(\.values))
        }
    }

    @Test func pythonToolConvertsSwiftFiles() throws {
        try withTemporaryDirectory { directory in try convertInPython(path: directory + "/swift.vaez") }
    }

    func convertInPython(path: String) throws {
        try VAEZWriter.write(metadata: metadata, tensors: tensors, created: TestModels.fixedCreated, to: path)
        let npz = try PythonReference.tool(["to-npz", path, path + ".npz"])
        #expect(npz.status == 0, "\(npz.standardError)")
        let safetensors = try PythonReference.tool(["to-safetensors", path, path + ".safetensors"])
        #expect(safetensors.status == 0, "\(safetensors.standardError)")
        // Importing back through Python gives a file that Swift reads to the same values.
        let back = try PythonReference.tool(["from-safetensors", path + ".safetensors", path + ".back.vaez"])
        #expect(back.status == 0, "\(back.standardError)")
        let reread = try VAEZReader.read(path: path + ".back.vaez")
        #expect(reread.tensors.map(\.values) == tensors.map(\.values))
        #expect(reread.metadata.architecture == metadata.architecture)
    }

    /// Python's golden files were written by the reference writer; the Swift writer, given the same model and time,
    /// must produce the same sections: same table fields, same raw bytes (compressed bytes may differ with the
    /// zstd version, which the spec allows).
    @Test(arguments: [
        "vae-f32", "vae-f16", "vae-bf16", "vae-int8", "ae-f32", "vae-f32-nohidden",
        "table-gaussian-f32", "image-rgb-f32",  // version 1.1
    ])
    func swiftRewritesGoldenFilesSectionForSection(name: String) throws {
        try withTemporaryDirectory { directory in try rewriteGolden(name: name, path: directory + "/\(name).vaez") }
    }

    func rewriteGolden(name: String, path: String) throws {
        let golden = try VAEZReader.read(path: VectorManifest.path("\(name).vaez"))
        let dtype = golden.tensors.first { $0.shape.count > 1 }!.dtype
        try VAEZWriter.write(
            metadata: golden.metadata, tensors: golden.tensors.map(\.named), dtype: dtype,
            created: golden.metadata.created, to: path)
        let expected = try #require(
            try PythonReference.json("sections", VectorManifest.path("\(name).vaez")) as? NSArray)
        let actual = try #require(try PythonReference.json("sections", path) as? NSArray)
        // raw_sha256 of the metadata section covers the canonical JSON: Swift prints what json.dumps printed.
        #expect(actual.isEqual(expected), "\(name): \(actual) vs \(expected)")
        #expect(try VAEZReader.read(path: path).version == golden.version, "both writers choose the same minor")
    }

    @Test func swiftAndPythonRefuseTheSameVectorsWithTheSameRule() throws {
        let manifest = try VectorManifest.load()
        let files = try manifest.malformed.map { try [UInt8](contentsOfFile: VectorManifest.path($0.file)) }
        let python = try PythonReference.rules(files)
        let swift = files.map { bytes in (try? VAEZReader.read(bytes: bytes)).map { _ in "ok" } ?? swiftRule(bytes) }
        #expect(python == swift)
        #expect(python == manifest.malformed.map(\.rule))
    }
}

/// The rule Swift refuses `bytes` with, or "ok".
func swiftRule(_ bytes: [UInt8]) -> String {
    do {
        _ = try VAEZReader.read(bytes: bytes)
        return "ok"
    } catch {
        return error.rule.rawValue
    }
}

extension JSONValue {
    /// The value as Foundation objects, to compare with what JSONSerialization reads from Python's output.
    var foundationObject: Any {
        switch self {
        case .null: NSNull()
        case .bool(let flag): NSNumber(value: flag)
        case .number(let number):
            number.integerLiteral.flatMap { Int($0) }.map { NSNumber(value: $0) }
                ?? NSNumber(value: number.double)
        case .string(let text): text
        case .array(let elements): elements.map(\.foundationObject)
        case .object(let members):
            NSDictionary(
                dictionary: Dictionary(uniqueKeysWithValues: members.map { ($0.key, $0.value.foundationObject) }))
        }
    }
}
