#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Logging
import VAEFiles
import VAEFormat
import VAENumerics

/// Where the served models come from (`--model NAME=FILE` and `--model-dir`), and how they are loaded and reloaded.
///
/// A reload reads and fully verifies every source before anything is swapped; a file that fails keeps its old model
/// serving and is reported. Reloads are serialised.
package final class ModelCatalog: Sendable {
    /// What a reload did to one model.
    package enum Action: String, Sendable {
        case loaded, reloaded, unchanged, removed
    }

    package struct Report: Sendable, Equatable {
        package struct Change: Sendable, Equatable {
            package var name: String
            package var action: Action
        }

        package struct Failure: Sendable, Equatable {
            package var name: String
            package var reason: String
        }

        package var actions: [Change] = []
        package var failures: [Failure] = []
    }

    package let explicit: [(name: String, path: String)]
    package let directory: String?
    package let registry: ModelRegistry
    let logger: Logger
    private let reloadLock = LockedValue(())
    /// Called with the models served after each reload that changed something.
    private let onChange = LockedValue<(@Sendable ([ServedModel]) -> Void)?>(nil)

    /// Loads every source.
    /// - Throws: `CatalogError` naming the first model that cannot be loaded, or a name given twice.
    package init(explicit: [(name: String, path: String)], directory: String?, logger: Logger) throws {
        self.explicit = explicit
        self.directory = directory
        self.logger = logger
        var seen = Set<String>()
        for (name, _) in explicit where !seen.insert(name).inserted {
            throw CatalogError("two models are named '\(name)'")
        }
        let sources = try Self.sources(explicit: explicit, directory: directory, logger: logger)
        if sources.isEmpty, let directory { throw CatalogError("no .vaez files in \(directory)") }
        var models: [ServedModel] = []
        for (name, path) in sources {
            do {
                models.append(try Self.load(name: name, path: path, logger: logger, event: "loaded"))
            } catch let error as DataError {
                throw CatalogError("cannot load model '\(name)': \(error)")  // it names the path
            } catch {
                throw CatalogError("cannot load model '\(name)' from \(path): \(error)")
            }
        }
        registry = ModelRegistry(models)
    }

    /// Runs `body` with the served models after every reload that changed them.
    func onChange(_ body: @escaping @Sendable ([ServedModel]) -> Void) {
        onChange.withLock { $0 = body }
    }

    /// Re-reads every source: new names are loaded, changed files reloaded, vanished directory entries removed.
    package func reload() -> Report {
        reloadLock.withLock { _ in
            var report = Report()
            let sources: [(name: String, path: String)]
            do {
                sources = try Self.sources(explicit: explicit, directory: directory, logger: logger)
            } catch {
                report.failures.append(.init(name: directory ?? "", reason: "\(error)"))
                logger.error("reload failed", metadata: ["reason": "\(error)"])
                return report
            }
            let current = registry.current
            var updated: [ServedModel] = []
            for (name, path) in sources {
                let old = current[name]
                do {
                    let model = try Self.load(name: name, path: path, logger: logger,
                                              event: old == nil ? "loaded" : "reloaded", unlessSHA256: old?.fileSHA256)
                    if let model {
                        updated.append(model)
                        report.actions.append(.init(name: name, action: old == nil ? .loaded : .reloaded))
                    } else {
                        report.actions.append(.init(name: name, action: .unchanged))
                    }
                } catch {
                    report.failures.append(.init(name: name, reason: "\(error)"))
                    logger.error(old == nil ? "load failed; the model is not served" : "reload failed; the old model keeps serving",
                                 metadata: ["model": "\(name)", "file": "\(path)", "reason": "\(error)"])
                }
            }
            let names = Set(sources.map(\.name))
            let removed = current.keys.filter { !names.contains($0) }.sorted()
            for name in removed {
                report.actions.append(.init(name: name, action: .removed))
                logger.info("removed", metadata: ["model": "\(name)"])
            }
            report.actions.sort { $0.name < $1.name }
            if !updated.isEmpty || !removed.isEmpty {
                registry.apply(updated: updated, removed: removed)
                let served = Array(registry.current.values)
                onChange.withLock { $0 }?(served)
            }
            return report
        }
    }

    /// What the directory looks like now (names, sizes, times, inodes), to notice changes cheaply.
    func directorySignature() -> [String] {
        guard let directory else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".vaez") }.sorted().map { name in
            var info = stat()
            guard stat("\(directory)/\(name)", &info) == 0 else { return "\(name):missing" }
            return "\(name):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_ino)"
        }
    }

    /// The explicit models, then the directory's `*.vaez` files named by stem (an explicit name wins).
    static func sources(explicit: [(name: String, path: String)], directory: String?, logger: Logger) throws
        -> [(name: String, path: String)]
    {
        // A training run's folder means its model.vaez, as in `vae inspect`.
        var sources = explicit.map { (name: $0.name, path: VAEZReader.modelPath($0.path)) }
        guard var directory else { return sources }
        // "models/" names its files "models/x.vaez", not "models//x.vaez".
        while directory.count > 1 && directory.hasSuffix("/") { directory.removeLast() }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw CatalogError("cannot read the model directory \(directory)")
        }
        for file in names.sorted() where file.hasSuffix(".vaez") && file.count > 5 {
            let name = String(file.dropLast(5))
            if explicit.contains(where: { $0.name == name }) {
                logger.warning("\(directory)/\(file) is ignored: --model already names '\(name)'")
                continue
            }
            sources.append((name, "\(directory)/\(file)"))
        }
        return sources
    }

    /// Loads and verifies one file; nil when its SHA-256 is `unlessSHA256` (nothing changed).
    static func load(name: String, path: String, logger: Logger, event: String, unlessSHA256: String? = nil) throws -> ServedModel? {
        let start = ContinuousClock.now
        let model = try ServedModel(name: name, path: path)
        if model.fileSHA256 == unlessSHA256 { return nil }
        let milliseconds = ((ContinuousClock.now - start).inSeconds * 1e4).rounded() / 10
        logger.info("\(event)", metadata: ["model": "\(name)", "file": "\(path)", "sha256": "\(model.fileSHA256)",
                                           "dtype": "\(model.dtype)", "ms": "\(milliseconds)"])
        return model
    }

    static func load(name: String, path: String, logger: Logger, event: String) throws -> ServedModel {
        try load(name: name, path: path, logger: logger, event: event, unlessSHA256: nil)!
    }
}

/// A model set that cannot be served, with a message for the user.
package struct CatalogError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}
