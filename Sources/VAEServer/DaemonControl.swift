import VAEJSON
import VAEProtocol

/// `stats` and `reload` for the running daemon: its counters, its scheduler, its model catalog.
final class DaemonControl: ServerControl {
    let statistics: ServerStatistics
    let scheduler: BatchScheduler
    let catalog: ModelCatalog

    init(statistics: ServerStatistics, scheduler: BatchScheduler, catalog: ModelCatalog) {
        self.statistics = statistics
        self.scheduler = scheduler
        self.catalog = catalog
    }

    func stats(format: String, into writer: inout JSONWriter) throws(RPCError) {
        let batching = ServerStatistics.Batching(queuedRows: scheduler.queuedRows(), batchSizes: scheduler.batchSizeCounts())
        statistics.write(format: format, batching: batching, into: &writer)
    }

    /// `{"models":[{"name","action"}]}`, or `reload_failed` naming the first file that failed (the others are
    /// swapped in all the same, and listed in data.models).
    func reload(into writer: inout JSONWriter) throws(RPCError) {
        let report = catalog.reload()
        let actions = JSONValue.array(report.actions.map {
            .object([JSONMember(key: "name", value: .string($0.name)), JSONMember(key: "action", value: .string($0.action.rawValue))])
        })
        if let failure = report.failures.first {
            var error = RPCError.reloadFailed(model: failure.name, reason: failure.reason)
            error = RPCError(error.type, error.message, details: error.details + [JSONMember(key: "models", value: actions)])
            throw error
        }
        writer.raw("{\"models\":")
        writer.value(actions)
        writer.raw("}")
    }
}
