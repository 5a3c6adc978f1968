import CZip
import Foundation
import Testing
import VAECore
import VAEData
import VAEDataImport
import VAEFiles
import VAETestSupport

@Suite("NumPy .npy and .npz files")
struct ArrayFileTests {
    let bytes12 = (0..<12).map { UInt8($0 * 20) }

    @Test(arguments: [UInt8(1), 2, 3])
    func byteImagesOfEveryHeaderVersion(version: UInt8) throws {
        let path = "\(temporaryDirectory())/x.npy"
        try DataFiles.write(DataFiles.npy(descr: "|u1", shape: [3, 2, 2], data: bytes12, version: version), to: path)
        let split = try DataImport.load(path, options: .init(testFraction: 1.0 / 3, seed: 3))
        #expect(split.train.count == 2 && split.test.count == 1)
        #expect(split.train.shape == ImageShape(height: 2, width: 2, channels: 1) && split.train.layout == .images)
        #expect(split.train.labels == nil && split.normalisation == nil)
        #expect(split.name == "x" && split.source?.format == .npy && split.source?.channels == 1)
        let all = (split.train.floatValues + split.test.floatValues).sorted()
        #expect(all == bytes12.map { Float($0) / 255 })
    }

    @Test func floatImagesWithChannelsAndTheirRange() throws {
        let folder = temporaryDirectory()
        let values = (0..<24).map { Float($0) / 23 }
        try DataFiles.write(
            DataFiles.npy(descr: "<f4", shape: [2, 2, 2, 3], data: DataFiles.littleEndian(values)),
            to: "\(folder)/ok.npy")
        let split = try DataImport.load("\(folder)/ok.npy", options: .init(testFraction: 0.5))
        #expect(split.train.shape == ImageShape(height: 2, width: 2, channels: 3))
        #expect(Set(split.train.floatValues + split.test.floatValues) == Set(values))
        var bad = values
        bad[13] = 1.5
        try DataFiles.write(
            DataFiles.npy(descr: "<f4", shape: [2, 2, 2, 3], data: DataFiles.littleEndian(bad)), to: "\(folder)/bad.npy"
        )
        let error = loadError("\(folder)/bad.npy")
        #expect(error?.message.contains("bad.npy: image 1, value 1: 1.5 is outside [0, 1]") == true)
    }

    @Test func keysWithoutLabelsOrTestSplit() throws {
        let folder = temporaryDirectory()
        let x = DataFiles.npy(descr: "|u1", shape: [10, 2, 2, 1], data: Array(0..<40))
        try Self.writeNPZ([("x_train.npy", x)], to: "\(folder)/train-only.npz")
        let split = try DataImport.load("\(folder)/train-only.npz", options: .init(testFraction: 0.2, seed: 4))
        #expect(split.train.count == 8 && split.test.count == 2 && split.train.labels == nil)
        #expect(split.train.shape == ImageShape(height: 2, width: 2, channels: 1) && split.source?.testFraction == 0.2)
        try Self.writeNPZ([("anything.npy", x)], to: "\(folder)/single.npz")
        #expect(try DataImport.load("\(folder)/single.npz", options: .init()).train.count == 9)
        try Self.writeNPZ([("x_train.npy", x), ("y_test.npy", x)], to: "\(folder)/half.npz")
        #expect(loadError("\(folder)/half.npz")?.message.contains("y_test without x_test") == true)
        try Self.writeNPZ([("a.npy", x), ("b.npy", x)], to: "\(folder)/two.npz")
        #expect(loadError("\(folder)/two.npz")?.message.contains("holds entries a, b;") == true)
    }

    @Test func tableIsStandardisedOnTheTrainingSplit() throws {
        let path = "\(temporaryDirectory())/t.npy"
        // 4 rows × 2 features; the second feature is constant.
        let values: [Float] = [1, 5, 2, 5, 3, 5, 4, 5]
        try DataFiles.write(DataFiles.npy(descr: "<f4", shape: [4, 2], data: DataFiles.littleEndian(values)), to: path)
        let split = try DataImport.load(path, options: .init(testFraction: 0.25, seed: 1))
        #expect(split.train.layout == .table && split.train.shape == ImageShape(height: 1, width: 2, channels: 1))
        let n = try #require(split.normalisation)
        let trainFirst = (split.train.floatValues.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
        #expect(abs(trainFirst.reduce(0, +)) < 1e-5, "the training split's mean is 0 after standardising")
        #expect(abs(trainFirst.map { $0 * $0 }.reduce(0, +) / 3 - 1) < 1e-5, "and its population variance 1")
        #expect(n.mean[1] == 5 && n.standardDeviation[1] == 1, "a constant feature gets std 1")
        #expect(split.notes.first?.contains("1 constant feature") == true)
    }

    @Test func keysOfAnNPZWrittenByNumPy() throws {
        // Written by numpy 2.4.6 (zip64 entries, deflated):
        // np.savez_compressed(f, x_train=np.arange(12, dtype=np.uint8).reshape(3,2,2)*20,
        //     y_train=np.array([2,0,1], dtype=np.int64), x_test=np.full((2,2,2), 255, dtype=np.uint8),
        //     y_test=np.array([1,1], dtype=np.int64))
        let path = "\(temporaryDirectory())/keras.npz"
        try DataFiles.write(Array(Data(base64Encoded: Self.numpyNPZ)!), to: path)
        let split = try DataImport.load(path, options: .init())
        #expect(split.train.count == 3 && split.test.count == 2)
        #expect(split.train.labels == [2, 0, 1] && split.test.labels == [1, 1])
        #expect(split.train.floatValues == bytes12.map { Float($0) / 255 })
        #expect(split.test.floatValues == [Float](repeating: 1, count: 8))
        #expect(split.source?.testFraction == nil && split.source?.testPath == "\(path): x_test")
        #expect(loadError(path, .init(testFraction: 0.2))?.message.contains("has its own test split") == true)
    }

    @Test(arguments: [Int32(0), 8])  // ZIP_CM_STORE, ZIP_CM_DEFLATE
    func xAndYEntriesStoredOrDeflated(method: Int32) throws {
        let path = "\(temporaryDirectory())/xy.npz"
        try Self.writeNPZ(
            [
                ("x.npy", DataFiles.npy(descr: "|u1", shape: [4, 3], data: Array(0..<12))),
                (
                    "y.npy",
                    DataFiles.npy(descr: "<i8", shape: [4], data: DataFiles.littleEndian([0, 1, 0, 1] as [Int64]))
                ),
            ], to: path, method: method)
        let split = try DataImport.load(path, options: .init(testFraction: 0.5))
        #expect(split.train.count == 2 && split.test.count == 2 && split.train.layout == .table)
        #expect(Set(split.train.labels! + split.test.labels!) == [0, 1])
    }

    @Test func unexpectedNPZEntriesAndBadLabels() throws {
        let folder = temporaryDirectory()
        let x = DataFiles.npy(descr: "|u1", shape: [2, 2, 2], data: Array(0..<8))
        try Self.writeNPZ([("x.npy", x), ("z.npy", x)], to: "\(folder)/extra.npz")
        #expect(loadError("\(folder)/extra.npz")?.message.contains("unexpected entry z beside x") == true)
        try Self.writeNPZ(
            [
                ("x.npy", x),
                ("y.npy", DataFiles.npy(descr: "<i8", shape: [2], data: DataFiles.littleEndian([0, 300] as [Int64]))),
            ], to: "\(folder)/labels.npz")
        #expect(
            loadError("\(folder)/labels.npz")?.message.contains(
                "entry 'y.npy': label 1 is 300; class labels must be 0 to 255") == true)
        try Self.writeNPZ(
            [
                ("x.npy", x),
                ("y.npy", DataFiles.npy(descr: "<i8", shape: [3], data: DataFiles.littleEndian([0, 1, 2] as [Int64]))),
            ], to: "\(folder)/count.npz")
        #expect(loadError("\(folder)/count.npz")?.message.contains("3 labels for 2 items") == true)
    }

    @Test func truncatedNPZIsAnError() throws {
        let path = "\(temporaryDirectory())/cut.npz"
        let bytes = Array(Data(base64Encoded: Self.numpyNPZ)!)
        try DataFiles.write(Array(bytes.prefix(bytes.count - 40)), to: path)
        let error = loadError(path)
        #expect(error?.message.hasPrefix("\(path): ") == true, "\(error?.message ?? "no error")")
    }

    @Test func unsupportedAndBadNPYFiles() throws {
        let folder = temporaryDirectory()
        let cases: [(String, [UInt8], String)] = [
            (
                "f2.npy", DataFiles.npy(descr: "<f2", shape: [2, 2], data: .init(repeating: 0, count: 8)),
                "dtype '<f2' is not supported"
            ),
            (
                "big.npy", DataFiles.npy(descr: ">f4", shape: [2, 2], data: .init(repeating: 0, count: 16)),
                "dtype '>f4' is big-endian"
            ),
            (
                "object.npy", DataFiles.npy(descr: "|O", shape: [2, 2], data: .init(repeating: 0, count: 32)),
                "is an object array"
            ),
            (
                "fortran.npy",
                DataFiles.npy(descr: "|u1", shape: [2, 2, 2], data: .init(repeating: 0, count: 8), fortran: true),
                "Fortran order (fortran_order: True); only C order is read"
            ),
            (
                "short.npy", DataFiles.npy(descr: "|u1", shape: [2, 2, 2], data: .init(repeating: 0, count: 7)),
                "truncated: shape [2, 2, 2] of |u1 needs 8 data bytes, the file has 7"
            ),
            (
                "long.npy", DataFiles.npy(descr: "|u1", shape: [2, 2, 2], data: .init(repeating: 0, count: 9)),
                "(1 extra)"
            ),
            (
                "rank1.npy", DataFiles.npy(descr: "|u1", shape: [8], data: .init(repeating: 0, count: 8)),
                "shape [8] is neither images"
            ),
            (
                "rgba.npy", DataFiles.npy(descr: "|u1", shape: [1, 1, 1, 4], data: .init(repeating: 0, count: 4)),
                "need 1 or 3 channels (got 4)"
            ),
            (
                "int.npy", DataFiles.npy(descr: "<i8", shape: [1, 1, 1], data: .init(repeating: 0, count: 8)),
                "images of dtype <i8 are not read"
            ),
            ("magic.npy", Array("not numpy at all".utf8), "not an .npy file"),
            (
                "header.npy", Array(DataFiles.npy(descr: "|u1", shape: [2, 2, 2], data: []).prefix(30)),
                "header truncated"
            ),
        ]
        for (name, bytes, expected) in cases {
            let path = "\(folder)/\(name)"
            try DataFiles.write(bytes, to: path)
            let message = loadError(path)?.message ?? "no error"
            #expect(message.hasPrefix("\(path): ") && message.contains(expected), "\(name): \(message)")
        }
    }

    @Test func headerLiteralProblemsAreNamed() throws {
        func header(_ text: String) -> String {
            let length = text.utf8.count + 1
            let bytes: [UInt8] =
                [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
                + Array((text + "\n").utf8)
            return dataError { () throws(DataError) in _ = try NPYArray(parsing: bytes[...], source: "h.npy") }?.message
                ?? "no error"
        }
        #expect(header("{'descr': '<f4', 'shape': (1,), }").contains("lacks fortran_order"))
        #expect(
            header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}").contains(
                "expected a string, True, False or a tuple"))
        #expect(
            header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 'y'}").contains("unexpected key 'x'"))
        #expect(header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}").contains("structured dtype"))
        #expect(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1, -2)}").contains("expected a dimension"))
        #expect(header("['descr']").contains("expected '{'"))
    }

    /// Writes an .npz with libzip: each entry stored (`method` 0) or deflated (8).
    static func writeNPZ(_ entries: [(String, [UInt8])], to path: String, method: Int32 = 8) throws {
        var code: Int32 = 0
        let archive = try #require(zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code))
        for (name, bytes) in entries {
            let copy = malloc(bytes.count)!
            bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            let source = try #require(zip_source_buffer(archive, copy, UInt64(bytes.count), 1))
            let index = zip_file_add(archive, name, source, zip_flags_t(ZIP_FL_OVERWRITE))
            #expect(index >= 0)
            #expect(zip_set_file_compression(archive, UInt64(index), method, 0) == 0)
        }
        #expect(zip_close(archive) == 0)
    }

    static let numpyNPZ = """
        UEsDBC0AAAAIAAAAIQBEBHbF//////////8LABQAeF90cmFpbi5ucHkBABAAjAAAAAAAAABUAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loF5Taqiuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GsY6CkZApKmjUKtAHuBiENGwCUip6Fmw5cQdAFBLAwQtAAAACAAAACEAihrOE///////////CwAUAHlfdHJhaW4ubnB5AQAQAJgAAAAAAAAASgAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2mhrqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RrGOpo6CrUKFAAuJgZUwAilAVBLAwQtAAAACAAAACEA4tcTHP//////////CgAUAHhfdGVzdC5ucHkBABAAiAAAAAAAAABJAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loF5Taqiuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6CiCkqaNQq0Ae4PoPBQBQSwMELQAAAAgAAAAhAO/7k2f//////////woAFAB5X3Rlc3QubnB5AQAQAJAAAAAAAAAASQAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2mhrqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RpGOpo6CrUKFAAuRgYIgNEAUEsBAi0DLQAAAAgAAAAhAEQEdsVUAAAAjAAAAAsAAAAAAAAAAAAAAIABAAAAAHhfdHJhaW4ubnB5UEsBAi0DLQAAAAgAAAAhAIoazhNKAAAAmAAAAAsAAAAAAAAAAAAAAIABkQAAAHlfdHJhaW4ubnB5UEsBAi0DLQAAAAgAAAAhAOLXExxJAAAAiAAAAAoAAAAAAAAAAAAAAIABGAEAAHhfdGVzdC5ucHlQSwECLQMtAAAACAAAACEA7/uTZ0kAAACQAAAACgAAAAAAAAAAAAAAgAGdAQAAeV90ZXN0Lm5weVBLBQYAAAAABAAEAOIAAAAiAgAAAAA=
        """
}
