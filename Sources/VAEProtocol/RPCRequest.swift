import VAEJSON

/// A request id: JSON-RPC allows a string, a number or null. Echoed back exactly as received.
public enum RPCID: Sendable, Equatable {
    case number(JSONNumber)
    case string(String)
    case null

    public var json: JSONValue {
        switch self {
        case .number(let n): .number(n)
        case .string(let s): .string(s)
        case .null: .null
        }
    }
}

/// One JSON-RPC 2.0 request object, validated.
public struct RPCRequest: Sendable, Equatable {
    /// nil for a notification (no `id` member): it gets no response.
    public var id: RPCID?
    public var method: String
    /// An object (by-name params), or nil when absent.
    public var params: JSONValue?

    public init(id: RPCID?, method: String, params: JSONValue? = nil) {
        self.id = id
        self.method = method
        self.params = params
    }

    public var isNotification: Bool { id == nil }

    /// Validates one request object.
    /// - Returns: the request, or the error to answer with and the id to answer it under (null when unreadable).
    public static func validate(_ value: JSONValue) -> Result<RPCRequest, RPCFailure> {
        guard case .object = value else {
            return .failure(RPCFailure(id: .null, error: .invalidRequest("A request must be a JSON object.")))
        }
        var id: RPCID?
        switch value["id"] {
        case nil: id = nil
        case .number(let n)?: id = .number(n)
        case .string(let s)?: id = .string(s)
        case .null?: id = .null
        default:
            return .failure(RPCFailure(id: .null, error: .invalidRequest("The id must be a string, a number or null.")))
        }
        let answerID = id ?? .null
        if let version = value["jsonrpc"], version != .string("2.0") {
            return .failure(RPCFailure(id: answerID, error: .invalidRequest("jsonrpc must be \"2.0\" when present.")))
        }
        guard let methodValue = value["method"] else {
            return .failure(RPCFailure(id: answerID, error: .invalidRequest("The request has no method.")))
        }
        guard case .string(let method) = methodValue else {
            return .failure(RPCFailure(id: answerID, error: .invalidRequest("The method must be a string.")))
        }
        let params = value["params"]
        if let params, params.members == nil, !params.isNull {
            return .failure(RPCFailure(id: answerID, error: .invalidRequest("params must be an object.")))
        }
        return .success(RPCRequest(id: id, method: method, params: params?.isNull == true ? nil : params))
    }
}

/// A request that cannot be served: the error and the id to answer under.
public struct RPCFailure: Error, Sendable, Equatable {
    public var id: RPCID
    public var error: RPCError

    public init(id: RPCID, error: RPCError) {
        self.id = id
        self.error = error
    }
}

/// What one line of input holds.
package enum RPCIncoming: Sendable {
    /// Nothing to answer (a blank line).
    case empty
    /// One request (or one invalid one).
    case single(Result<RPCRequest, RPCFailure>)
    /// A batch: one entry per element, answered as one array (notifications omitted).
    case batch([Result<RPCRequest, RPCFailure>])

    /// Parses one line (without its line ending; a trailing \r is accepted).
    package static func parse(line: UnsafeBufferPointer<UInt8>, parser: JSONParser = JSONParser()) -> RPCIncoming {
        var end = line.count
        if end > 0 && line[end - 1] == 0x0D { end -= 1 }
        let body = UnsafeBufferPointer(rebasing: line[0..<end])
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return .empty }
        let value: JSONValue
        do {
            value = try parser.parse(body)
        } catch {
            return .single(.failure(RPCFailure(id: .null, error: .parse(error.description))))
        }
        if case .array(let elements) = value {
            guard !elements.isEmpty else {
                return .single(.failure(RPCFailure(id: .null, error: .invalidRequest("A batch must not be empty."))))
            }
            return .batch(elements.map(RPCRequest.validate))
        }
        return .single(RPCRequest.validate(value))
    }

    package static func parse(line: [UInt8], parser: JSONParser = JSONParser()) -> RPCIncoming {
        line.withUnsafeBufferPointer { parse(line: $0, parser: parser) }
    }
}

extension RPCRequest {
    /// The request as one line, ending in `\n`, as a client sends it (`validate` reads it back).
    public var line: [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.raw("{\"jsonrpc\":\"2.0\"")
        if let id {
            writer.raw(",\"id\":")
            writer.value(id.json)
        }
        writer.raw(",\"method\":")
        writer.string(method)
        if let params {
            writer.raw(",\"params\":")
            writer.value(params)
        }
        writer.raw("}\n")
        return writer.bytes
    }
}
