import Testing
import VAEFiles
import VAETestSupport

@testable import VAEFormat

/// Files above the overlap threshold take the two-thread path; its answers must be the one-thread ones.
@Suite("Seed-sized files: the two-thread path")
struct LargeFileTests {
    static let metadata = TestModels.metadata(TestModels.seedArchitecture)

    /// One seed-architecture f32 file, written once for the suite.
    static let file: [UInt8] = {
        let tensors = try! TestModels.tensors(TestModels.seedArchitecture, seed: 21)
        return try! VAEZWriter.serialize(metadata: metadata, tensors: tensors, created: TestModels.fixedCreated)
    }()

    @Test func seedModelRoundTripsBitExactly() throws {
        #expect(Self.file.count >= VAEZReader.overlapThreshold)
        let tensors = try TestModels.tensors(TestModels.seedArchitecture, seed: 21)
        let read = try VAEZReader.read(bytes: Self.file)
        #expect(read.tensors.map(\.name) == tensors.map(\.name))
        #expect(read.tensors.reduce(0) { $0 + $1.values.count } == 907_608)
        for (a, b) in zip(read.tensors, tensors) {
            #expect(a.values.map(\.bitPattern) == b.values.map(\.bitPattern), "\(a.name)")
        }
        #expect(read.tensors.contains { $0.section.codec == SectionEntry.codecZstd && $0.section.filter == 1 })
        #expect(read.contentSHA256 == ReferenceSHA256.hex(Array(Self.file[..<(Self.file.count - 40)])))
    }

    /// Seed-sized half-precision files go through the fused unshuffle-and-widen path; the oracle is the standard
    /// library's Float16 and the spec's bf16 rounding formula, applied to the original values.
    @Test(arguments: [TensorDType.f16, .bf16])
    func seedModelInHalfPrecisionReadsToTheRoundedValues(dtype: TensorDType) throws {
        let tensors = try TestModels.tensors(TestModels.seedArchitecture, seed: 21)
        let bytes = try VAEZWriter.serialize(metadata: Self.metadata, tensors: tensors, dtype: dtype,
                                             created: TestModels.fixedCreated)
        let read = try VAEZReader.read(bytes: bytes)
        #expect(read.tensors.contains { $0.section.filter == 1 && $0.section.elementSize == 2 })
        for (a, b) in zip(read.tensors, tensors) {
            let expected = b.values.map { x -> UInt32 in
                if dtype == .f16 { return Float(Float16(x)).bitPattern }
                let bits = x.bitPattern
                return ((bits &+ 0x7FFF &+ (bits >> 16 & 1)) >> 16) << 16
            }
            #expect(a.values.map(\.bitPattern) == expected, "\(dtype) \(a.name)")
        }
    }

    /// The offset of the stored bytes of the index-th tensor's section.
    func dataOffset(_ index: Int) throws -> Int {
        Int(try VAEZReader.read(bytes: Self.file).tensors[index].section.offset) + 100
    }

    @Test func hashFailureWinsOverLaterFailures() throws {
        var bytes = Self.file
        bytes[try dataOffset(17)] ^= 0x40  // breaks the footer hash and that section's CRC
        #expect(swiftRule(bytes) == "sha256_mismatch")
        bytes[45] = 1  // and a reserved preamble byte
        #expect(swiftRule(bytes) == "sha256_mismatch")
    }

    @Test func firstTensorInIndexOrderIsNamed() throws {
        var bytes = Self.file
        let late = try dataOffset(17)
        let early = try dataOffset(2)
        bytes[late] ^= 0x40
        bytes[early] ^= 0x40
        bytes = Self.withFooterHashOnly(bytes)
        do {
            _ = try VAEZReader.read(bytes: bytes)
            Issue.record("damaged sections were read")
        } catch {
            let file = try VAEZReader.read(bytes: Self.file)
            #expect(error.rule == .sectionChecksumMismatch)
            #expect(error.message.contains("section id \(file.tensors[2].section.id) "), "\(error)")
        }
    }

    @Test func containerFailureIsReportedAfterTheHashPasses() throws {
        var bytes = Self.file
        bytes[45] = 1
        #expect(swiftRule(Self.withFooterHashOnly(bytes)) == "reserved_nonzero")
    }

    @Test func sameAnswersAsTheReference() throws {
        var damaged = Self.file
        damaged[try dataOffset(0)] ^= 0x01
        let cases = [Self.file, damaged, Self.withFooterHashOnly(damaged), TestModels.resealed(damaged)]
        #expect(try PythonReference.rules(cases) == cases.map(swiftRule))
    }

    /// The timings themselves are not results on a shared machine; what can be checked is that each timed read is
    /// the full, verifying read (a damaged file is refused) and that a time was taken.
    @Test func benchmarkHelperTimesFullVerifyingReads() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/seed.vaez"
            try VAEFiles.Files.writeAtomically(Self.file, to: path)
            let (best, median) = try VAEZBenchmark.measureLoad(path: path, repeats: 3)
            #expect(best > 0 && median.isFinite)
            var damaged = Self.file
            damaged[try dataOffset(17)] ^= 0x40
            try VAEFiles.Files.writeAtomically(damaged, to: path)
            #expect(throws: VAEZError.self, "measureLoad reads through the verifying reader: a damaged file is refused") {
                _ = try VAEZBenchmark.measureLoad(path: path, repeats: 1)
            }
        }
    }

    /// Recomputes only the footer hash, so any other damage is left for its own rule.
    static func withFooterHashOnly(_ bytes: [UInt8]) -> [UInt8] {
        let footer = bytes.count - 40
        return Array(bytes[..<footer]) + SHA256Digest.of(Array(bytes[..<footer])) + Array(bytes[(footer + 32)...])
    }
}
