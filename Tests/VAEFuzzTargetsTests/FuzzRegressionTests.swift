import Foundation
import Testing
import VAEFuzzTargets

/// The fuzz targets (Tests/Fuzz, run by Tools/fuzz) over their seeds and over every input a fuzzer crashed on
/// (Tests/Fuzz/Regressions/<target>/): each must now be decoded or refused with every property holding.
@Suite("Fuzz targets over their seeds and past crashes")
struct FuzzRegressionTests {
    static let fuzzFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz").path
    static let vectorsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Formats/vectors").path

    /// The files directly in `folder` (none when it does not exist), sorted.
    static func files(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.sorted().map { "\(folder)/\($0)" }.filter {
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &isFolder) && !isFolder.boolValue
        }
    }

    /// A target's seeds: its own, and for the .vaez reader the spec's test vectors (as Tools/fuzz uses them).
    static func seeds(_ target: FuzzTarget) -> [String] {
        var seeds = files(in: "\(fuzzFolder)/Seeds/\(target.name)")
        if target.name == "FuzzVAEZ" { seeds += files(in: vectorsFolder).filter { $0.hasSuffix(".vaez") } }
        return seeds
    }

    static func outcome(_ target: FuzzTarget, _ path: String) throws -> FuzzOutcome {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        return bytes.withUnsafeBytes { target.check($0) }
    }

    @Test("every seed keeps every property, and the seeds reach both a taken and a refused input",
          arguments: FuzzTarget.all.map(\.name))
    func seedsHold(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let seeds = Self.seeds(target)
        #expect(seeds.count >= 3, "\(name) has \(seeds.count) seeds")
        var accepted = 0
        for seed in seeds {
            let outcome = try Self.outcome(target, seed)
            #expect(outcome.violations.isEmpty, "\(seed): \(outcome.violations)")
            if outcome.accepted { accepted += 1 }
        }
        #expect(accepted > 0, "no seed of \(name) is taken by its decoder: the properties on taken input go unchecked")
        #expect(accepted < seeds.count, "every seed of \(name) is taken: no refusal is exercised")
    }

    @Test("every input a fuzzer crashed on is now decoded or refused with every property holding",
          arguments: FuzzTarget.all.map(\.name))
    func pastCrashesHold(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        for input in Self.files(in: "\(Self.fuzzFolder)/Regressions/\(name)") {
            let outcome = try Self.outcome(target, input)
            #expect(outcome.violations.isEmpty, "\(input): \(outcome.violations)")
        }
    }

    @Test("each target has one entry executable and seeds")
    func targetsAreWired() {
        for target in FuzzTarget.all {
            #expect(FileManager.default.fileExists(atPath: "\(Self.fuzzFolder)/Entry/\(target.name)/\(target.name).swift"),
                    "\(target.name) has no libFuzzer entry")
            #expect(!Self.files(in: "\(Self.fuzzFolder)/Seeds/\(target.name)").isEmpty || target.name == "FuzzVAEZ",
                    "\(target.name) has no seeds")
        }
        #expect(Set(FuzzTarget.all.map(\.name)).count == FuzzTarget.all.count)
    }
}
