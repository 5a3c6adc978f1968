/// Why the engine refused or failed a request, in terms every transport can map to its own wire format
/// (JSON-RPC error objects, HTTP status codes, gRPC status codes).
package enum ServingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No model of that name is loaded; `loaded` lists the names that are.
    case modelNotFound(String, loaded: [String])
    /// Several models are loaded and the request named none.
    case modelRequired(loaded: [String])
    /// The model's queue is full; retrying after about this long may succeed.
    case overloaded(retryAfterMilliseconds: Int)
    /// The server is draining: no new model work is taken.
    case shuttingDown
    /// A reload failed for `model` (the first failure); the other files were applied, as `report` lists.
    case reloadFailed(model: String, reason: String, report: ModelCatalog.Report)
    /// This engine cannot do what was asked (say, reload without a catalog).
    case unavailable(String)

    package var description: String {
        switch self {
        case .modelNotFound(let name, _): "No model named '\(name)' is loaded."
        case .modelRequired: "Several models are loaded; name one."
        case .overloaded: "The server's queue is full; retry later."
        case .shuttingDown: "The server is shutting down."
        case .reloadFailed(let model, let reason, _): "Reloading model '\(model)' failed; the old model keeps serving: \(reason)"
        case .unavailable(let why): why
        }
    }
}
