import Foundation
import Testing
import VAEData
import VAEFiles
import VAETestSupport

@Suite("IDX parsing of good and bad files")
struct IDXTests {
    let good: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3] + Array(1...12)

    @Test func parsesAGoodFile() throws {
        let array = try IDXArray(parsing: good, source: "good")
        #expect(array.dimensions == [2, 2, 3])
        #expect(array.values == Array(1...12))
        #expect(array.serialized() == good)
    }

    func failure(_ bytes: [UInt8]) -> DataError? {
        do {
            _ = try IDXArray(parsing: bytes, source: "bad.idx")
            return nil
        } catch {
            return error
        }
    }

    @Test func wrongMagic() {
        var bytes = good
        bytes[1] = 0x01
        let error = failure(bytes)
        #expect(error?.code == .badMagic)
        #expect(error?.message.contains("bad.idx") == true)
    }

    @Test func unsupportedElementType() {
        var bytes = good
        bytes[2] = 0x0D  // float
        #expect(failure(bytes)?.code == .unsupported)
    }

    @Test func truncatedHeaderAndData() {
        #expect(failure(Array(good[0..<3]))?.code == .truncated)
        #expect(failure(Array(good[0..<9]))?.code == .truncated)
        let error = failure(Array(good.dropLast()))
        #expect(error?.code == .truncated)
        #expect(error?.message.contains("need 12 data bytes, file has 11") == true)
    }

    @Test func dimensionsDisagreeWithByteCount() {
        #expect(failure(good + [0])?.code == .sizeMismatch)
        var bytes = good
        bytes[7] = 1  // claims 1×2×3 = 6 bytes but carries 12
        #expect(failure(bytes)?.code == .sizeMismatch)
    }

    @Test func gzipRoundTripAndCorruption() throws {
        let compressed = try gzipped(good)
        #expect(Gzip.isCompressed(compressed))
        #expect(try Gzip.decompress(compressed, source: "x.gz") == good)
        #expect(throws: DataError.self) { try Gzip.decompress(Array(compressed.dropLast(12)), source: "cut.gz") }
        var corrupt = compressed
        corrupt[corrupt.count / 2] ^= 0xFF
        #expect(throws: DataError.self) { try Gzip.decompress(corrupt, source: "bad.gz") }
    }

    @Test("a gzip stream that inflates past the limit is refused as too large, at the limit it inflates")
    func gzipInflationIsBounded() throws {
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let compressed = try gzipped(zeros)
        #expect(compressed.count < 2048, "a megabyte of zeros is a small stream: the bomb the limit is for")
        #expect(try Gzip.decompress(compressed, source: "z.gz", maximumBytes: zeros.count) == zeros)
        #expect(throws: DataError(.tooLarge, "z.gz: the gzip stream inflates past 1048575 bytes")) {
            try Gzip.decompress(compressed, source: "z.gz", maximumBytes: zeros.count - 1)
        }
    }

    @Test func datasetLoaderReadsGzipAndNamesMissingFiles() throws {
        let directory = temporaryDirectory()
        try writeSyntheticDataset(to: directory, trainCount: 10, testCount: 5, gzip: true)
        let split = try DatasetLoader.load(.mnist, from: directory)
        #expect(split.train.count == 10 && split.test.count == 5)
        #expect(split.train.shape.pixelCount == 784)
        #expect(split.train.filtered(toClass: 1).labels?.allSatisfy { $0 == 1 } == true)
        #expect(split.classNames == DatasetKind.mnist.classNames)

        try FileManager.default.removeItem(atPath: "\(directory)/t10k-labels-idx1-ubyte.gz")
        do {
            _ = try DatasetLoader.load(.mnist, from: directory)
            Issue.record("a missing file must be an error")
        } catch {
            #expect(error.code == .fileNotFound)
            #expect(error.message.contains("t10k-labels-idx1-ubyte"))
        }
    }

    @Test func labelCountMustMatchImageCount() throws {
        let directory = temporaryDirectory()
        try writeSyntheticDataset(to: directory, trainCount: 10, testCount: 5)
        try Data(IDXArray(dimensions: [9], values: Array(repeating: 0, count: 9)).serialized())
            .write(to: URL(fileURLWithPath: "\(directory)/train-labels-idx1-ubyte"))
        #expect(throws: DataError.self) { try DatasetLoader.load(.mnist, from: directory) }
    }

    @Test func datasetNamesAcceptSeedSpellings() {
        #expect(DatasetKind(argument: "MNIST") == .mnist)
        #expect(DatasetKind(argument: "FashionMNIST") == .fashionMNIST)
        #expect(DatasetKind(argument: "fashion-mnist") == .fashionMNIST)
        #expect(DatasetKind(argument: "cifar") == nil)
    }
}
