import VAEJSON

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

/// An error response from the daemon (Formats/protocol.md section 5): its code, `data.type` and message.
public struct DaemonError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The JSON-RPC error code, such as -32602.
    public let code: Int
    /// `data.type`, such as `shape_mismatch`; empty when the daemon sent none.
    public let type: String
    /// The daemon's one-sentence message.
    public let message: String
    /// The whole `data` object (null when absent), for members such as `expected` or `models`.
    public let data: JSONValue

    public init(code: Int, type: String, message: String, data: JSONValue = .null) {
        self.code = code
        self.type = type
        self.message = message
        self.data = data
    }

    /// Reads a response's `error` member; nil when it is not an error object.
    public init?(errorMember error: JSONValue) {
        guard let code = error["code"]?.integerValue, let message = error["message"]?.stringValue else { return nil }
        let data = error["data"] ?? .null
        self.init(code: code, type: data["type"]?.stringValue ?? "", message: message, data: data)
    }

    public var description: String { type.isEmpty ? message : "\(message) (\(type))" }
}
