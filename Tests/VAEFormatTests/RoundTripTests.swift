import Foundation
import Testing
import VAEFormat
import VAETestSupport

@Suite("Swift writes, Swift reads")
struct RoundTripTests {
    let metadata = TestModels.metadata(TestModels.smallArchitecture)
    let tensors: [NamedTensor]

    init() throws {
        tensors = try TestModels.tensors(TestModels.smallArchitecture)
    }

    func roundTrip(_ dtype: TensorDType) throws -> VAEZFile {
        let bytes = try VAEZWriter.serialize(
            metadata: metadata, tensors: tensors, dtype: dtype,
            created: TestModels.fixedCreated)
        return try VAEZReader.read(bytes: bytes)
    }

    @Test func f32IsBitExactAndMetadataSurvives() throws {
        let file = try roundTrip(.f32)
        #expect(file.tensors.map(\.name) == tensors.map(\.name))
        for (read, written) in zip(file.tensors, tensors) {
            #expect(read.shape == written.shape)
            #expect(read.dtype == .f32)
            #expect(read.values.map(\.bitPattern) == written.values.map(\.bitPattern), "\(read.name)")
        }
        var expected = metadata
        expected.document = file.metadata.document
        #expect(file.metadata == expected)
    }

    @Test func f16IsWithinHalfAnUlp() throws {
        let file = try roundTrip(.f16)
        for (read, written) in zip(file.tensors, tensors) {
            #expect(read.dtype == .f16, "f16 files use f16 for every tensor")
            for (y, x) in zip(read.values, written.values) {
                #expect(abs(x - y) <= max(abs(x) / 2048, 0x1p-25), "\(read.name): \(x) → \(y)")
            }
        }
    }

    @Test func bf16IsWithinHalfAnUlp() throws {
        let file = try roundTrip(.bf16)
        for (read, written) in zip(file.tensors, tensors) {
            #expect(read.dtype == .bf16)
            for (y, x) in zip(read.values, written.values) {
                #expect(abs(x - y) <= max(abs(x) / 256, 0x1p-134), "\(read.name): \(x) → \(y)")
            }
        }
    }

    @Test func int8IsWithinHalfAStepAndBiasesStayF32() throws {
        let file = try roundTrip(.int8)
        for (read, written) in zip(file.tensors, tensors) {
            if written.shape.count == 1 {
                #expect(read.dtype == .f32, "\(read.name): 1-D tensors stay f32 in int8 files")
                #expect(read.values == written.values)
                continue
            }
            #expect(read.dtype == .int8)
            let columns = written.shape[1]
            for row in 0..<written.shape[0] {
                let x = Array(written.values[(row * columns)..<((row + 1) * columns)])
                let y = Array(read.values[(row * columns)..<((row + 1) * columns)])
                let peak = x.map(abs).max()!
                let scale = peak / 127
                for (a, b) in zip(x, y) {
                    #expect(abs(a - b) <= scale / 2 + peak * 0x1p-22, "\(read.name) row \(row): \(a) → \(b)")
                }
                // The largest element comes back as exactly ±127 × scale.
                let largest = x.indices.max { abs(x[$0]) < abs(x[$1]) }!
                #expect(abs(y[largest]) == 127 * scale, "\(read.name) row \(row)")
            }
        }
    }

    @Test func int8RefusesNonFiniteValues() throws {
        var broken = tensors
        broken[0].values[3] = .nan
        #expect(throws: VAEZWriter.InputError.nonFiniteValue(tensor: broken[0].name, index: 3)) {
            try VAEZWriter.serialize(
                metadata: metadata, tensors: broken, dtype: .int8, created: TestModels.fixedCreated)
        }
        // f32 stores NaN (with its payload) like any other value.
        broken[0].values[3] = Float(bitPattern: 0x7FC0_1234)
        let file = try VAEZReader.read(
            bytes: try VAEZWriter.serialize(
                metadata: metadata, tensors: broken, dtype: .f32, created: TestModels.fixedCreated))
        #expect(file.tensors[0].values[3].bitPattern == 0x7FC0_1234)
    }

    @Test func callerOrderDoesNotChangeTheBytes() throws {
        let forward = try VAEZWriter.serialize(metadata: metadata, tensors: tensors, created: TestModels.fixedCreated)
        let reversed = try VAEZWriter.serialize(
            metadata: metadata, tensors: tensors.reversed(),
            created: TestModels.fixedCreated)
        #expect(forward == reversed)
    }

    @Test func writerRefusesWhatTheReaderWould() throws {
        #expect(writeRule(tensors.dropLast()) == .shapeContract)
        var transposed = tensors
        transposed[2].shape.reverse()  // mu.weight [2, 16] → [16, 2]: same size, wrong shape
        #expect(writeRule(transposed) == .shapeContract)
        #expect(writeRule(tensors + [tensors[0]]) == .duplicateTensorName)
        var bad = metadata
        bad.latent.mean.append(0)
        #expect(writeRule(tensors, metadata: bad) == .metadataInvalid)
        bad = metadata
        bad.training.lr = .infinity
        #expect(writeRule(tensors, metadata: bad) == .metadataInvalid)
        bad = metadata
        bad.architecture.zDim = 0
        #expect(writeRule(tensors, metadata: bad) == .metadataInvalid)
        #expect(writeRule(tensors, created: "2026-02-30T00:00:00Z") == .metadataInvalid)
        var short = tensors
        short[1].values.removeLast()
        #expect(throws: VAEZWriter.InputError.self) {
            try VAEZWriter.serialize(metadata: metadata, tensors: short, created: TestModels.fixedCreated)
        }
    }

    @Test func writeReplacesTheTargetAndLeavesNoTemporaries() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/model.vaez"
            try VAEZWriter.write(metadata: metadata, tensors: tensors, created: TestModels.fixedCreated, to: path)
            try VAEZWriter.write(
                metadata: metadata, tensors: tensors, dtype: .bf16, created: TestModels.fixedCreated,
                to: path)
            let file = try VAEZReader.read(path: path)
            #expect(file.tensors.allSatisfy { $0.dtype == .bf16 })
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["model.vaez"])
        }
    }

    func writeRule(
        _ tensors: [NamedTensor], metadata: ModelMetadata? = nil, created: String = TestModels.fixedCreated
    ) -> VAEZError.Rule? {
        do {
            _ = try VAEZWriter.serialize(metadata: metadata ?? self.metadata, tensors: tensors, created: created)
            return nil
        } catch let error as VAEZError {
            return error.rule
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }
}
