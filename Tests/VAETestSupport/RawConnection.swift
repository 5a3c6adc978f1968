import Foundation

/// A Unix-socket client that reports how a connection ends instead of throwing, for tests of the daemon's framing
/// and flow control: a closed connection (end of file, or a reset because the daemon closed with our bytes unread)
/// is an outcome to check, not an error.
///
/// One thread may `send` while another `receive`s (a client that writes without reading); `receive` itself is not
/// reentrant.
package final class RawConnection: @unchecked Sendable {
    /// What the next read brought.
    package enum Received: Equatable, CustomStringConvertible {
        /// One line, without its line ending.
        case line(String)
        /// The daemon closed the connection: end of file, or a reset.
        case closed
        /// Nothing came within the receive timeout.
        case timedOut
        case failed(String)

        package var isLine: Bool {
            if case .line = self { true } else { false }
        }

        package var description: String {
            switch self {
            case .line(let text): "line \(text.prefix(200))"
            case .closed: "closed"
            case .timedOut: "nothing within the timeout"
            case .failed(let reason): "failed: \(reason)"
            }
        }
    }

    private let fd: Int32
    private var buffer: [UInt8] = []
    /// Where the unread part of `buffer` starts (lines are consumed without moving the rest each time).
    private var start = 0

    /// Connects to `path`; sends and receives give up after `timeoutSeconds` without progress (a hang guard).
    package init(path: String, timeoutSeconds: Int = 30) throws {
        var address = sockaddr_un()
        guard path.utf8.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw ClientError("the socket path is too long for sockaddr_un: \(path)")
        }
        // The descriptor is stored only once connected: a class whose initializer throws after every stored
        // property is set runs its deinit, which would close the descriptor a second time, by then perhaps another
        // thread's file.
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ClientError("socket() failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
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

    /// Sends all of `bytes`, blocking while the socket buffer is full.
    /// - Returns: nil when everything was sent, else why not (a broken pipe or reset: the daemon closed).
    @discardableResult
    package func send(_ bytes: [UInt8]) -> String? {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes {
                Foundation.send(fd, $0.baseAddress! + done, $0.count - done, Int32(MSG_NOSIGNAL))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return String(cString: strerror(errno)) }
            done += n
        }
        return nil
    }

    /// Sends `line` and a line ending.
    @discardableResult
    package func send(line: String) -> String? { send(Array((line + "\n").utf8)) }

    /// The next line, or how the connection ended.
    package func receive() -> Received {
        while true {
            // memchr: this runs unoptimised in tests, and answers can be large.
            let found = buffer.withUnsafeBytes { raw -> Int? in
                guard start < raw.count, let hit = memchr(raw.baseAddress! + start, 0x0A, raw.count - start) else {
                    return nil
                }
                return raw.baseAddress!.distance(to: UnsafeRawPointer(hit))
            }
            if let newline = found {
                let line = String(decoding: buffer[start..<newline], as: UTF8.self)
                start = newline + 1
                if start > 1 << 16 {
                    buffer.removeSubrange(..<start)
                    start = 0
                }
                return .line(line)
            }
            // Read straight into the end of the buffer, then drop what the read did not fill.
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: 1 << 16))
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + old, 1 << 16, 0) }
            let failure = errno
            buffer.removeLast(n > 0 ? (1 << 16) - n : 1 << 16)
            if n > 0 { continue }
            if n == 0 { return .closed }
            switch failure {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .timedOut
            case ECONNRESET: return .closed
            default: return .failed(String(cString: strerror(errno)))
            }
        }
    }

    /// Bytes sent that the daemon has not read yet (SIOCOUTQ).
    package var unreadBytesSent: Int {
        var count: Int32 = 0
        // SIOCOUTQ is TIOCOUTQ on Linux.
        _ = ioctl(fd, UInt(TIOCOUTQ), &count)
        return Int(count)
    }
}
