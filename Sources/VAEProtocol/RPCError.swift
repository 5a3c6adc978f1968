import VAEJSON

/// A JSON-RPC error as protocol v1 defines it (Formats/protocol.md): a code, a `data.type`, one clear sentence,
/// and optional extra `data` members.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `data.type` values. New types may appear in later protocol versions; clients switch on `code`.
    public enum ErrorType: String, Sendable, CaseIterable {
        case parseError = "parse_error"
        case invalidRequest = "invalid_request"
        case lineTooLong = "line_too_long"
        case methodNotFound = "method_not_found"
        case invalidParams = "invalid_params"
        case shapeMismatch = "shape_mismatch"
        case invalidValue = "invalid_value"
        case tooLarge = "too_large"
        case modelRequired = "model_required"
        case modelNotFound = "model_not_found"
        case overloaded
        case shuttingDown = "shutting_down"
        case reloadFailed = "reload_failed"
        case internalError = "internal_error"

        /// The JSON-RPC code for this type.
        public var code: Int {
            switch self {
            case .parseError: -32700
            case .invalidRequest, .lineTooLong: -32600
            case .methodNotFound: -32601
            case .invalidParams, .shapeMismatch, .invalidValue, .tooLarge, .modelRequired: -32602
            case .modelNotFound: -32001
            case .overloaded: -32002
            case .shuttingDown: -32003
            case .reloadFailed: -32004
            case .internalError: -32603
            }
        }
    }

    public let type: ErrorType
    public let message: String
    /// Extra `data` members besides `type`, in order.
    public let details: [JSONMember]

    public init(_ type: ErrorType, _ message: String, details: [JSONMember] = []) {
        self.type = type
        self.message = message
        self.details = details
    }

    public var code: Int { type.code }
    public var description: String { "\(type.rawValue): \(message)" }

    public static func == (lhs: RPCError, rhs: RPCError) -> Bool {
        lhs.type == rhs.type && lhs.message == rhs.message && lhs.details == rhs.details
    }

    /// The `error` object of a response.
    package func write(to writer: inout JSONWriter) {
        writer.raw("{\"code\":")
        writer.int(code)
        writer.raw(",\"message\":")
        writer.string(message)
        writer.raw(",\"data\":{\"type\":")
        writer.string(type.rawValue)
        for member in details {
            writer.byte(UInt8(ascii: ","))
            writer.string(member.key)
            writer.byte(UInt8(ascii: ":"))
            writer.value(member.value)
        }
        writer.raw("}}")
    }
}

extension RPCError {
    public static func parse(_ why: String) -> RPCError { RPCError(.parseError, "The line is not valid JSON: \(why).") }

    public static func invalidRequest(_ why: String) -> RPCError { RPCError(.invalidRequest, why) }

    public static func lineTooLong(limit: Int) -> RPCError {
        RPCError(.lineTooLong, "The line is longer than the limit of \(limit) bytes; the connection will be closed.",
                 details: [JSONMember(key: "limit", value: .number(JSONNumber(limit)))])
    }

    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(.methodNotFound, "Unknown method '\(method)'.",
                 details: [JSONMember(key: "methods", value: .array(RPCMethod.allCases.map { .string($0.rawValue) }))])
    }

    public static func invalidParams(_ why: String) -> RPCError { RPCError(.invalidParams, why) }

    public static func shapeMismatch(_ what: String, expected: [Int], got: [Int], index: Int) -> RPCError {
        RPCError(.shapeMismatch, "\(what) \(index) has shape \(got), expected \(expected).", details: [
            JSONMember(key: "expected", value: .array(expected.map { .number(JSONNumber($0)) })),
            JSONMember(key: "got", value: .array(got.map { .number(JSONNumber($0)) })),
            JSONMember(key: "index", value: .number(JSONNumber(index))),
        ])
    }

    public static func invalidValue(_ why: String) -> RPCError { RPCError(.invalidValue, why) }

    public static func tooLarge(_ what: String, count: Int, limit: Int) -> RPCError {
        RPCError(.tooLarge, "\(what) has \(count) items, more than the limit of \(limit).",
                 details: [JSONMember(key: "limit", value: .number(JSONNumber(limit)))])
    }

    public static func modelRequired(_ loaded: [String]) -> RPCError {
        RPCError(.modelRequired, "Several models are loaded; name one in params.model.",
                 details: [JSONMember(key: "models", value: .array(loaded.map { .string($0) }))])
    }

    public static func modelNotFound(_ name: String, loaded: [String]) -> RPCError {
        RPCError(.modelNotFound, "No model named '\(name)' is loaded.",
                 details: [JSONMember(key: "models", value: .array(loaded.map { .string($0) }))])
    }

    public static func overloaded(retryAfterMilliseconds: Int) -> RPCError {
        RPCError(.overloaded, "The server's queue is full; retry later.",
                 details: [JSONMember(key: "retry_after_ms", value: .number(JSONNumber(retryAfterMilliseconds)))])
    }

    public static let shuttingDown = RPCError(.shuttingDown, "The server is shutting down.")

    public static func reloadFailed(model: String, reason: String) -> RPCError {
        RPCError(.reloadFailed, "Reloading model '\(model)' failed; the old model keeps serving: \(reason)",
                 details: [JSONMember(key: "model", value: .string(model)), JSONMember(key: "reason", value: .string(reason))])
    }

    public static func internalError(_ why: String = "An internal error occurred; it has been logged.") -> RPCError {
        RPCError(.internalError, why)
    }
}

extension RPCError {
    /// A connection over `--max-connections`: answered once (id null), then closed.
    public static func tooManyConnections(limit: Int) -> RPCError {
        RPCError(.overloaded, "The server already has \(limit) connections; retry later.",
                 details: [JSONMember(key: "retry_after_ms", value: .number(JSONNumber(100)))])
    }
}
