import Foundation
import Testing
import VAEFormat

/// The writer is deterministic, and `created` follows the spec's precedence. These tests change the process
/// environment (SOURCE_DATE_EPOCH), so they run one at a time; every other test passes `created` explicitly and
/// does not depend on it. The variable is set once and afterwards only replaced (set to "" for "unset"): replacing
/// an existing variable does not reallocate the environment array under concurrent readers, as adding one does.
@Suite(.serialized)
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

    @discardableResult
    func withSourceDateEpoch<R>(_ value: String, _ body: () throws -> R) rethrows -> R {
        setenv("SOURCE_DATE_EPOCH", value, 1)
        defer { setenv("SOURCE_DATE_EPOCH", "", 1) }
        return try body()
    }

    func created(_ bytes: [UInt8]) throws -> String {
        try VAEZReader.read(bytes: bytes).metadata.created
    }

    @Test func sameModelSameBytes() throws {
        try withSourceDateEpoch("") {
            for dtype in TensorDType.allCases {
                let first = try VAEZWriter.serialize(metadata: metadata, tensors: tensors, dtype: dtype)
                let second = try VAEZWriter.serialize(metadata: metadata, tensors: tensors, dtype: dtype)
                #expect(first == second, "\(dtype)")
                #expect(try created(first) == metadata.created, "without an epoch the metadata's own time is kept")
            }
        }
    }

    @Test(arguments: [0, 1_700_000_000, -1, 951_782_400, 4_102_444_799])
    func sourceDateEpochSetsCreated(seconds: Int) throws {
        try withSourceDateEpoch(String(seconds)) {
            let bytes = try VAEZWriter.serialize(metadata: metadata, tensors: tensors)
            #expect(try created(bytes) == Self.utc(seconds))
            // The same bytes as passing that time explicitly.
            #expect(
                bytes == (try VAEZWriter.serialize(metadata: metadata, tensors: tensors, created: Self.utc(seconds))))
        }
    }

    @Test func explicitTimeBeatsTheEnvironment() throws {
        try withSourceDateEpoch("1700000000") {
            let bytes = try VAEZWriter.serialize(metadata: metadata, tensors: tensors, created: "2030-01-02T03:04:05Z")
            #expect(try created(bytes) == "2030-01-02T03:04:05Z")
        }
    }

    @Test func invalidEpochIsRefused() throws {
        for value in ["soon", "12x", "99999999999999999"] {
            withSourceDateEpoch(value) {
                #expect(throws: VAEZWriter.InputError.invalidSourceDateEpoch(value)) {
                    try VAEZWriter.serialize(metadata: metadata, tensors: tensors)
                }
            }
        }
    }

    @Test func withoutAnyTimeTheCurrentOneIsUsed() throws {
        try withSourceDateEpoch("") {
            var timeless = metadata
            timeless.created = ""
            let before = Int(Date().timeIntervalSince1970)
            let stamp = try created(try VAEZWriter.serialize(metadata: timeless, tensors: tensors))
            let after = Int(Date().timeIntervalSince1970)
            #expect((before...after).map(Self.utc).contains(stamp), "\(stamp)")
        }
    }
}
