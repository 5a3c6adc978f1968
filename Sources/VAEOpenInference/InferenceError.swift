import VAEServing

/// Why an Open Inference Protocol request was refused, in terms each transport maps to its own status: an HTTP
/// status code and `{"error": …}` body, or a gRPC status.
///
/// `kind` uses protocol v1's error type names (Formats/protocol.md) where the meaning is the same, so a client and
/// the metrics see one vocabulary whichever transport a request came by.
package struct InferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: String, Sendable {
        /// The message is not a well-formed request (malformed JSON, HTTP or binary framing).
        case invalidRequest = "invalid_request"
        case parseError = "parse_error"
        /// An input is missing, unknown, given twice, or of a datatype the model does not take.
        case invalidParams = "invalid_params"
        case shapeMismatch = "shape_mismatch"
        case invalidValue = "invalid_value"
        /// Too many rows for `max_batch_size`, or a body over the transport's limit.
        case tooLarge = "too_large"
        case modelNotFound = "model_not_found"
        /// No such endpoint.
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case unauthorized
        case overloaded
        case shuttingDown = "shutting_down"
        case internalError = "internal_error"
    }

    package var kind: Kind
    package var message: String
    /// overloaded: when a retry may succeed.
    package var retryAfterMilliseconds: Int?

    package init(_ kind: Kind, _ message: String, retryAfterMilliseconds: Int? = nil) {
        self.kind = kind
        self.message = message
        self.retryAfterMilliseconds = retryAfterMilliseconds
    }

    package var description: String { message }

    /// The HTTP status code: 400 for what the client must change, 404 for what does not exist, 503 for what may
    /// succeed later.
    package var httpStatus: Int {
        switch kind {
        case .invalidRequest, .parseError, .invalidParams, .shapeMismatch, .invalidValue: 400
        case .tooLarge: 400
        case .modelNotFound, .notFound: 404
        case .methodNotAllowed: 405
        case .unauthorized: 401
        case .overloaded, .shuttingDown: 503
        case .internalError: 500
        }
    }

    /// The engine's refusal in these terms, worded as protocol v1 words it.
    package init(_ error: ServingError) {
        switch error {
        case .modelNotFound(let name, let loaded):
            self.init(.modelNotFound, "No model named '\(name)' is loaded (loaded: \(loaded.joined(separator: ", "))).")
        case .modelRequired(let loaded):
            self.init(.invalidParams, "Several models are loaded; name one of \(loaded.joined(separator: ", ")).")
        case .overloaded(let milliseconds):
            self.init(.overloaded, "The server's queue is full; retry after about \(milliseconds) ms.",
                      retryAfterMilliseconds: milliseconds)
        case .shuttingDown:
            self.init(.shuttingDown, "The server is shutting down; retry on another replica.")
        case .reloadFailed(let model, let reason, _):
            self.init(.internalError, "Reloading model '\(model)' failed; the old model keeps serving: \(reason)")
        case .unavailable(let why):
            self.init(.internalError, why)
        }
    }
}
