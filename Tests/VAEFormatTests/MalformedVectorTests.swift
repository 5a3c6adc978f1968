import Testing
import VAEFiles
import VAEFormat

@Suite("Malformed vectors are refused with exactly their rule")
struct MalformedVectorTests {
    @Test func everyMalformedFileFailsWithItsRule() throws {
        let manifest = try VectorManifest.load()
        #expect(manifest.malformed.count >= 37)
        var rulesSeen = Set<String>()
        for vector in manifest.malformed {
            let bytes = try [UInt8](contentsOfFile: VectorManifest.path(vector.file))
            do {
                _ = try VAEZReader.read(bytes: bytes)
                Issue.record("\(vector.file) was read, expected \(vector.rule) (\(vector.what))")
            } catch {
                #expect(error.rule.rawValue == vector.rule, "\(vector.file): \(error) — \(vector.what)")
                #expect(!error.message.isEmpty)
                if let key = vector.key {  // it fails at the intended check, not just with the intended rule
                    #expect(error.message.hasPrefix(key + ": "), "\(vector.file): \(error) — \(vector.what)")
                }
                rulesSeen.insert(error.rule.rawValue)
            }
        }
        #expect(rulesSeen == Set(VAEZError.Rule.allCases.map(\.rawValue)), "every rule is exercised")
    }

    @Test func limitsAreTheCallers() throws {
        let bytes = try [UInt8](contentsOfFile: VectorManifest.path("vae-f32.vaez"))
        var limits = VAEZLimits()
        limits.maxTensors = 9
        #expect(throws: VAEZError.self) { try VAEZReader.read(bytes: bytes, limits: limits) }
        #expect(ruleOf { try VAEZReader.read(bytes: bytes, limits: limits) } == .tooManyTensors)
        limits = VAEZLimits(maxMetadataLength: 100)
        #expect(ruleOf { try VAEZReader.read(bytes: bytes, limits: limits) } == .limitExceeded)
        limits = VAEZLimits(maxHeaderLength: 64 * 11)
        #expect(ruleOf { try VAEZReader.read(bytes: bytes, limits: limits) } == .headerTooLarge)
        limits = VAEZLimits(maxTensorBytes: 1000)
        #expect(ruleOf { try VAEZReader.read(bytes: bytes, limits: limits) } == .limitExceeded)
        #expect(ruleOf { try VAEZReader.read(bytes: bytes, limits: VAEZLimits()) } == nil)
    }

    @Test func missingFileIsADataErrorNotARule() {
        #expect(throws: VAEFiles.DataError.self) { try VAEZReader.read(path: "/nonexistent/model.vaez") }
    }
}

/// The rule a read fails with, or nil when it succeeds.
func ruleOf(_ body: () throws -> VAEZFile) -> VAEZError.Rule? {
    do {
        _ = try body()
        return nil
    } catch let error as VAEZError {
        return error.rule
    } catch {
        Issue.record("expected a VAEZError, got \(error)")
        return nil
    }
}
