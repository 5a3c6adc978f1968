import Foundation
import Testing

@testable import VAEFormat

/// The writer is deterministic, and `created` follows the spec's precedence. The value of SOURCE_DATE_EPOCH is
/// passed to the writer here rather than set in the process environment, which tests in other suites read at the
/// same time (and the child processes they start inherit); `vae convert` reads the real variable in
/// ModelCommandTests.
struct DeterminismTests {
    let metadata = TestModels.metadata(TestModels.smallArchitecture)
    let tensors: [NamedTensor]

    init() throws {
        tensors = try TestModels.tensors(TestModels.smallArchitecture)
    }

    /// The spec's UTC format, computed by Foundation independently of the writer's calendar code.
    static func utc(_ seconds: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// The file for `metadata` as if SOURCE_DATE_EPOCH held `epoch` (nil: unset).
    func serialize(
        _ metadata: ModelMetadata, epoch: String?, dtype: TensorDType = .f32, created: String? = nil
    ) throws -> [UInt8] {
        try VAEZWriter.serialize(
            metadata: metadata, tensors: tensors, dtype: dtype, created: created, sourceDateEpoch: epoch)
    }

    func created(_ bytes: [UInt8]) throws -> String {
        try VAEZReader.read(bytes: bytes).metadata.created
    }

    @Test(arguments: [nil, ""] as [String?])
    func sameModelSameBytes(epoch: String?) throws {
        for dtype in TensorDType.allCases {
            let first = try serialize(metadata, epoch: epoch, dtype: dtype)
            let second = try serialize(metadata, epoch: epoch, dtype: dtype)
            #expect(first == second, "\(dtype)")
            #expect(try created(first) == metadata.created, "without an epoch the metadata's own time is kept")
        }
    }

    @Test(arguments: [0, 1_700_000_000, -1, 951_782_400, 4_102_444_799])
    func sourceDateEpochSetsCreated(seconds: Int) throws {
        let bytes = try serialize(metadata, epoch: String(seconds))
        #expect(try created(bytes) == Self.utc(seconds))
        // The same bytes as passing that time explicitly.
        #expect(bytes == (try serialize(metadata, epoch: nil, created: Self.utc(seconds))))
    }

    @Test func explicitTimeBeatsTheEnvironment() throws {
        let bytes = try serialize(metadata, epoch: "1700000000", created: "2030-01-02T03:04:05Z")
        #expect(try created(bytes) == "2030-01-02T03:04:05Z")
    }

    @Test(arguments: ["soon", "12x", "99999999999999999"])
    func invalidEpochIsRefused(value: String) throws {
        #expect(throws: VAEZWriter.InputError.invalidSourceDateEpoch(value)) {
            try serialize(metadata, epoch: value)
        }
    }

    @Test func withoutAnyTimeTheCurrentOneIsUsed() throws {
        var timeless = metadata
        timeless.created = ""
        // The writer reads time(2), a coarse clock that can lag Date() by a tick across a second's boundary.
        let before = Int(Date().timeIntervalSince1970) - 1
        let stamp = try created(try serialize(timeless, epoch: nil))
        let after = Int(Date().timeIntervalSince1970)
        #expect((before...after).map(Self.utc).contains(stamp), "\(stamp)")
    }
}
