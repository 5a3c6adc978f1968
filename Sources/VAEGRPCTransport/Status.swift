import GRPCCore
import VAEOpenInference

extension RPCError {
    /// The gRPC status of a refusal (Formats/open-inference.md §6), its message the refusal's own.
    init(_ error: InferenceError) {
        self.init(code: Self.code(of: error.kind), message: error.message)
    }

    static func code(of kind: InferenceError.Kind) -> Code {
        switch kind {
        case .invalidRequest, .parseError, .invalidParams, .shapeMismatch, .invalidValue, .tooLarge: .invalidArgument
        case .modelNotFound: .notFound
        // No such RPC; a gRPC request has no HTTP method to be wrong.
        case .notFound, .methodNotAllowed: .unimplemented
        case .unauthorized: .unauthenticated
        case .overloaded, .shuttingDown: .unavailable
        case .internalError: .internalError
        }
    }
}
