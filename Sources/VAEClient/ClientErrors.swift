import VAEProtocol

/// The daemon could not be reached, or the conversation with it broke off: nothing the daemon decided.
public struct ConnectionError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// No daemon accepted the connection (no socket file, nobody listening, no permission).
        case cannotConnect
        /// The daemon closed the connection before answering.
        case closed
        /// No answer within the time limit.
        case timedOut
        /// A read or write on the socket failed.
        case failed
        /// The daemon sent something that is not a protocol v1 response.
        case badResponse
    }

    public let code: Code
    /// The socket path.
    public let path: String
    public let message: String

    public init(_ code: Code, path: String, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { message }
}

/// An error response from the daemon (Formats/protocol.md section 5), read by the protocol's own type: its code,
/// `data.type` as `RPCError.ErrorType` (nil when newer than this client) and message.
public typealias DaemonError = RPCErrorReply
