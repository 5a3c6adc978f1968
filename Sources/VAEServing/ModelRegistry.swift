/// The models being served, by name. A reload swaps entries atomically; a request holds on to the model it
/// started with, so it finishes on that model whatever is swapped meanwhile.
package final class ModelRegistry: Sendable {
    private let models: LockedValue<[String: ServedModel]>

    package init(_ models: [ServedModel]) {
        self.models = LockedValue(Dictionary(models.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }))
    }

    /// The models now, by name.
    package var current: [String: ServedModel] { models.withLock { $0 } }

    package var names: [String] { models.withLock { $0.keys.sorted() } }

    package subscript(name: String) -> ServedModel? { models.withLock { $0[name] } }

    /// Installs `updated` and removes `removed`, in one step.
    package func apply(updated: [ServedModel], removed: [String]) {
        models.withLock { models in
            for name in removed { models[name] = nil }
            for model in updated { models[model.name] = model }
        }
    }
}
