import Logging
import ServiceLifecycle
import VAEServing

/// The first step of graceful shutdown: readiness turns false at once, then requests are still served for
/// `delay`, so a load balancer (Kubernetes endpoints, KServe) stops sending work before any listener closes and a
/// rolling update loses no request. Listed last in the service group, it is the first to be shut down.
struct ShutdownDelay: Service {
    let engine: ServingEngine
    let delay: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        engine.markNotReady()
        guard delay > .zero else { return }
        logger.info("not ready; still serving until the shutdown delay ends", metadata: ["shutdown_delay": "\(delay)"])
        try? await Task.sleep(for: delay)
    }
}
