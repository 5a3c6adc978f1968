import Foundation

/// A blocking Unix-socket client for line-delimited JSON, with a receive timeout so a test can never hang.
package final class LineClient {
    let fd: Int32
    var buffer: [UInt8] = []

    package init(path: String, timeoutSeconds: Int = 10) throws {
        // Stored only once connected: see RawConnection.init (a throw after that would close it twice).
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ClientError("socket() failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw ClientError("cannot connect to \(path): \(reason)")
        }
        fd = descriptor
    }

    deinit { close(fd) }

    package func send(_ line: String) throws { try send(Array((line + "\n").utf8)) }

    package func send(_ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.send(fd, $0.baseAddress! + done, $0.count - done, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ClientError("send failed: \(String(cString: strerror(errno)))") }
            done += n
        }
    }

    /// Half-closes: no more requests, but answers still come (as `nc` or `printf | socat` clients do).
    package func finishSending() { shutdown(fd, Int32(SHUT_WR)) }

    /// The next line without its \n, or nil when the server closed the connection.
    package func readLine() throws -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n == 0 { return nil }
            guard n > 0 else { throw ClientError("no answer within the timeout (\(String(cString: strerror(errno))))") }
            buffer += chunk[0..<n]
        }
    }

    /// Sends one request and returns its response as JSON.
    package func call(_ line: String) throws -> [String: Any] {
        try send(line)
        guard let response = try readLine() else { throw ClientError("connection closed") }
        return try JSONSerialization.jsonObject(with: Data(response.utf8)) as! [String: Any]
    }
}

package struct ClientError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// Polls until `path` exists (a daemon is listening), up to `seconds`.
package func waitForSocket(_ path: String, seconds: Double = 30) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if (try? LineClient(path: path, timeoutSeconds: 1)) != nil { return true }
        usleep(20_000)
    }
    return false
}
