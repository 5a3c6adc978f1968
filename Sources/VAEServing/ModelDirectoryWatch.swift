import Logging
import ServiceLifecycle

/// Polls a catalog's `--model-dir` and reloads through the engine when a file appears, changes or goes.
package struct ModelDirectoryWatch: Service {
    let engine: ServingEngine
    let interval: Duration
    let logger: Logger

    package init(engine: ServingEngine, every interval: Duration, logger: Logger) {
        self.engine = engine
        self.interval = interval
        self.logger = logger
    }

    /// Watches until graceful shutdown or cancellation (idle when the engine has no model directory: a service that
    /// returns early would end the group).
    package func run() async throws {
        guard let catalog = engine.catalog, let directory = catalog.directory else {
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            var signature = catalog.directorySignature()
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                let now = catalog.directorySignature()
                guard now != signature else { continue }
                signature = now
                logger.info("model directory changed; reloading", metadata: ["directory": "\(directory)"])
                engine.reloadInBackground()
            }
        }
    }
}
