import Foundation
import Logging
import Testing
import VAEFormat
import VAETestSupport
@testable import VAEServing

@Suite("Model catalog: loading and reloading")
struct ModelCatalogTests {
    let logger = Logger(label: "test")

    func actions(_ report: ModelCatalog.Report) -> [String: ModelCatalog.Action] {
        Dictionary(uniqueKeysWithValues: report.actions.map { ($0.name, $0.action) })
    }

    @Test func reloadReportsLoadedReloadedUnchangedRemovedAndKeepsOldModelsOnBadFiles() throws {
        let directory = temporaryDirectory()
        try writeModelFile(kind: .vae, seed: 1, to: "\(directory)/a.vaez")
        try writeModelFile(kind: .ae, seed: 2, to: "\(directory)/b.vaez")
        let catalog = try ModelCatalog(explicit: [], directory: directory, logger: logger)
        #expect(catalog.registry.names == ["a", "b"])
        #expect(actions(catalog.reload()) == ["a": .unchanged, "b": .unchanged])

        let oldA = try #require(catalog.registry["a"])
        try writeModelFile(kind: .vae, seed: 3, to: "\(directory)/a.vaez")
        try writeModelFile(kind: .vae, seed: 4, to: "\(directory)/c.vaez")
        try FileManager.default.removeItem(atPath: "\(directory)/b.vaez")
        var report = catalog.reload()
        #expect(actions(report) == ["a": .reloaded, "b": .removed, "c": .loaded])
        #expect(report.failures.isEmpty)
        #expect(catalog.registry.names == ["a", "c"])
        #expect(catalog.registry["a"]!.fileSHA256 != oldA.fileSHA256)
        #expect(oldA.fileSHA256.count == 64, "a request holding the old model still has it whole")

        // A damaged file: the old model keeps serving and the failure names it.
        let servedA = catalog.registry["a"]!
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(directory)/a.vaez")))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/a.vaez"))
        report = catalog.reload()
        #expect(report.failures.map(\.name) == ["a"])
        #expect(report.failures.first?.reason.isEmpty == false)
        #expect(catalog.registry["a"] === servedA)
        #expect(actions(report) == ["c": .unchanged])
    }

    @Test func aDirectoryGivenWithTrailingSlashesNamesItsFilesWithOne() throws {
        let directory = temporaryDirectory()
        try writeModelFile(kind: .vae, seed: 1, to: "\(directory)/a.vaez")
        let sources = try ModelCatalog.sources(explicit: [], directory: directory + "//", logger: logger)
        #expect(sources.map(\.path) == ["\(directory)/a.vaez"])
    }

    @Test func explicitModelsWinOverDirectoryNamesAndBadStartsAreRefused() throws {
        let directory = temporaryDirectory()
        try writeModelFile(kind: .vae, seed: 1, to: "\(directory)/a.vaez")
        try writeModelFile(kind: .ae, seed: 2, to: "\(directory)/other.vaez")
        let catalog = try ModelCatalog(explicit: [("a", "\(directory)/other.vaez")], directory: directory, logger: logger)
        #expect(catalog.registry["a"]?.architecture.kind == .ae)
        #expect(catalog.registry.names == ["a", "other"])

        #expect(throws: CatalogError.self) { try ModelCatalog(explicit: [("x", "\(directory)/a.vaez"), ("x", "\(directory)/a.vaez")], directory: nil, logger: logger) }
        #expect(throws: CatalogError.self) { try ModelCatalog(explicit: [("x", "\(directory)/missing.vaez")], directory: nil, logger: logger) }
        let empty = temporaryDirectory() + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        #expect(throws: CatalogError.self) { try ModelCatalog(explicit: [], directory: empty, logger: logger) }
    }
}
