import VAEJSON

/// Builds response lines (each ends in \n), written straight into bytes.
package enum RPCResponse {
    /// `{"jsonrpc":"2.0","id":…,"result":…}` where `result` writes the result value.
    package static func success(id: RPCID, _ result: (inout JSONWriter) -> Void) -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writeSuccess(id: id, into: &writer, result)
        writer.byte(0x0A)
        return writer.bytes
    }

    /// `{"jsonrpc":"2.0","id":…,"error":{…}}`.
    package static func failure(id: RPCID, _ error: RPCError) -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writeFailure(id: id, error, into: &writer)
        writer.byte(0x0A)
        return writer.bytes
    }

    package static func writeSuccess(id: RPCID, into writer: inout JSONWriter, _ result: (inout JSONWriter) -> Void) {
        writer.raw("{\"jsonrpc\":\"2.0\",\"id\":")
        writer.value(id.json)
        writer.raw(",\"result\":")
        result(&writer)
        writer.byte(UInt8(ascii: "}"))
    }

    package static func writeFailure(id: RPCID, _ error: RPCError, into writer: inout JSONWriter) {
        writer.raw("{\"jsonrpc\":\"2.0\",\"id\":")
        writer.value(id.json)
        writer.raw(",\"error\":")
        error.write(to: &writer)
        writer.byte(UInt8(ascii: "}"))
    }
}

/// A response object read back, as a client sees it: its id, and its result or error object.
public struct RPCReply: Sendable, Equatable {
    public var id: RPCID
    public var outcome: Outcome

    public enum Outcome: Sendable, Equatable {
        case result(JSONValue)
        case error(RPCErrorReply)
    }

    /// Reads one response object; nil when it is not one (no id, or neither a result nor a readable error).
    public init?(_ value: JSONValue) {
        switch value["id"] {
        case .number(let n)?: id = .number(n)
        case .string(let s)?: id = .string(s)
        case .null?: id = .null
        default: return nil
        }
        if let error = value["error"] {
            guard let reply = RPCErrorReply(error) else { return nil }
            outcome = .error(reply)
        } else if let result = value["result"] {
            outcome = .result(result)
        } else {
            return nil
        }
    }
}

/// An error object as a client reads it: the code, the `data.type` (typed when this client knows it), the message
/// and the whole `data` for members such as `expected` or `models`.
public struct RPCErrorReply: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: Int
    /// nil when the server sent no type or one newer than this client (clients switch on `code` then).
    public let type: RPCError.ErrorType?
    /// `data.type` as sent (empty when absent).
    public let typeName: String
    public let message: String
    public let data: JSONValue

    public init(code: Int, typeName: String, message: String, data: JSONValue = .null) {
        self.code = code
        self.typeName = typeName
        type = RPCError.ErrorType(rawValue: typeName)
        self.message = message
        self.data = data
    }

    /// Reads an `error` member; nil when it has no code or message.
    public init?(_ error: JSONValue) {
        guard let code = error["code"]?.integerValue, let message = error["message"]?.stringValue else { return nil }
        let data = error["data"] ?? .null
        self.init(code: code, typeName: data["type"]?.stringValue ?? "", message: message, data: data)
    }

    public var description: String { typeName.isEmpty ? message : "\(message) (\(typeName))" }
}
