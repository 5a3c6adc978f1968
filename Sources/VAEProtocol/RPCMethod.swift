/// The methods of protocol v1.
public enum RPCMethod: String, Sendable, CaseIterable {
    case hello
    case models
    case encode
    case decode
    case sample
    case denoise
    case health
    case stats
    case reload

    /// Methods whose work runs through a model (and so through the batching engine).
    public var usesModel: Bool {
        switch self {
        case .encode, .decode, .sample, .denoise: true
        default: false
        }
    }
}

/// The protocol's version number, sent by `hello`.
public let protocolVersion = 1
