import Foundation
import VAEJSON
import VAEProtocol

/// A blocking JSON-RPC connection to vaed over its Unix socket (Formats/protocol.md), for clients and scripts.
///
/// One request at a time through `call`, or raw lines through `send(line:)` and `readLine()`. Not thread-safe.
public final class DaemonConnection {
    /// The socket path connected to.
    public let path: String
    let socket: UnixSocket
    private var buffer: [UInt8] = []
    /// Where the unread bytes in `buffer` start, and how far they were searched for a newline.
    private var start = 0
    private var searched = 0
    private var nextID = 1
    private let parser = JSONParser()

    /// Connects to the daemon at `path`.
    /// - Parameter timeoutSeconds: how long one read may wait for the daemon; nil waits forever.
    /// - Throws: `ConnectionError` with code `.cannotConnect` when nobody accepts the connection.
    public init(path: String, timeoutSeconds: Double? = 120) throws(ConnectionError) {
        self.path = path
        socket = try UnixSocket(connectingTo: path, receiveTimeout: timeoutSeconds)
    }

    /// Sends one request and waits for its response. The request is written by `RPCRequest.line`, which the
    /// daemon reads back with `RPCRequest.validate`; typed params (`SampleParams` and the others) give `params`.
    /// - Returns: the response's `result`.
    /// - Throws: `DaemonError` when the daemon answers with an error; `ConnectionError` when the conversation fails.
    public func call(_ method: RPCMethod, params: JSONValue? = nil) throws -> JSONValue {
        let id = nextID
        nextID += 1
        try socket.sendAll(RPCRequest(id: .number(JSONNumber(id)), method: method.rawValue, params: params).line)
        guard let line = try readLine() else {
            throw ConnectionError(
                .closed, path: path, "the daemon at \(path) closed the connection without answering \(method)")
        }
        let response: JSONValue
        do {
            response = try parser.parse(line)
        } catch {
            throw ConnectionError(
                .badResponse, path: path, "the daemon's answer to \(method) is not valid JSON: \(error)")
        }
        guard let reply = RPCReply(response) else {
            throw ConnectionError(
                .badResponse, path: path, "the daemon's answer to \(method) is not a JSON-RPC response")
        }
        guard reply.id == .number(JSONNumber(id)) else {
            throw ConnectionError(.badResponse, path: path, "the daemon's answer to \(method) carries another id")
        }
        switch reply.outcome {
        case .result(let result): return result
        case .error(let error): throw error
        }
    }

    /// Sends bytes as they are (one or more lines, each ending in `\n`).
    public func send(line bytes: [UInt8]) throws(ConnectionError) {
        try socket.sendAll(bytes)
    }

    /// The next line from the daemon without its `\n`, or nil once the daemon has closed the connection.
    public func readLine() throws(ConnectionError) -> [UInt8]? {
        while true {
            if let newline = buffer[searched...].firstIndex(of: 0x0A) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                searched = start
                if start == buffer.count {
                    buffer.removeAll(keepingCapacity: true)
                    start = 0
                    searched = 0
                }
                return line
            }
            searched = buffer.count
            if start > 0 && start * 2 >= buffer.count {
                buffer.removeSubrange(0..<start)
                searched -= start
                start = 0
            }
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: 1 << 16))
            let n = try buffer.withUnsafeMutableBufferPointer { (all) throws(ConnectionError) in
                try socket.receive(
                    into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: all[old...])))
            }
            buffer.removeLast((1 << 16) - n)
            if n == 0 {
                guard start < buffer.count else { return nil }
                // A last line without its newline.
                let line = Array(buffer[start...])
                buffer.removeAll()
                start = 0
                searched = 0
                return line
            }
        }
    }

    /// Half-closes the connection: no more requests, but the daemon still answers those sent, then closes.
    public func finishSending() { socket.finishSending() }

    /// The sending side alone, for a second thread that sends while this one reads (as `vaectl rpc` does).
    public var sender: LineSender { LineSender(socket: socket) }
}

/// Sends raw bytes on a connection while another thread reads its answers with `DaemonConnection.readLine()`.
///
/// Safe to use from one thread besides the reader: sending and receiving on a socket are independent.
public struct LineSender: @unchecked Sendable {
    let socket: UnixSocket

    /// Sends the bytes as they are.
    public func send(_ bytes: [UInt8]) throws(ConnectionError) { try socket.sendAll(bytes) }

    /// Half-closes: the daemon answers what it has, then closes.
    public func finishSending() { socket.finishSending() }
}
