import Foundation
import Testing
import VAEFormat

@Suite("Rule names match the manifest")
struct RuleNameTests {
    @Test func ruleNamesAreTheManifestsInCheckOrder() throws {
        let manifest = try VectorManifest.load()
        #expect(VAEZError.Rule.allCases.map(\.rawValue) == manifest.rules)
    }

    @Test func descriptionIsRuleThenMessage() {
        let error = VAEZError(.badMagic, "starts with 00")
        #expect(error.description == "bad_magic: starts with 00")
    }
}
