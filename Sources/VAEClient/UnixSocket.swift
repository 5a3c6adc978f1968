import Foundation

/// A connected Unix stream socket with blocking reads and writes; closes its descriptor when released.
///
/// Not thread-safe: one thread sends and receives at a time (the load generator gives each connection a thread).
final class UnixSocket {
    let descriptor: Int32
    let path: String

    /// Connects to `path`.
    /// - Parameter receiveTimeout: seconds a read may wait before failing with `.timedOut`; nil waits forever.
    /// - Throws: `ConnectionError.cannotConnect` with the system's reason.
    init(connectingTo path: String, receiveTimeout: Double?) throws(ConnectionError) {
        self.path = path
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            let limit = MemoryLayout.size(ofValue: address.sun_path) - 1
            throw ConnectionError(
                .cannotConnect, path: path,
                "cannot connect to \(path): the path is longer than a Unix socket path may be (\(limit) bytes)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        // The descriptor is stored only once connected: a class whose initializer throws after every stored
        // property is set runs its deinit, which closed a failed connection's descriptor a second time, by then
        // perhaps another connection's (the load generator connects on many threads at once).
        let socket = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else {
            throw ConnectionError(.cannotConnect, path: path, "cannot create a socket: \(systemError())")
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let reason = systemError()
            close(socket)
            throw ConnectionError(.cannotConnect, path: path, "cannot connect to \(path): \(reason)")
        }
        if let receiveTimeout, receiveTimeout > 0 {
            let seconds = receiveTimeout.rounded(.down)
            var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int((receiveTimeout - seconds) * 1e6))
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        descriptor = socket
    }

    deinit { close(descriptor) }

    /// Sends every byte, blocking as needed.
    func sendAll(_ bytes: UnsafeRawBufferPointer) throws(ConnectionError) {
        var done = 0
        while done < bytes.count {
            let n = send(descriptor, bytes.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                if errno == EPIPE || errno == ECONNRESET {
                    throw ConnectionError(.closed, path: path, "the daemon at \(path) closed the connection")
                }
                throw ConnectionError(.failed, path: path, "cannot send to \(path): \(systemError())")
            }
            done += n
        }
    }

    func sendAll(_ bytes: [UInt8]) throws(ConnectionError) {
        try bytes.withUnsafeBufferPointer { (buffer) throws(ConnectionError) in
            try sendAll(UnsafeRawBufferPointer(buffer))
        }
    }

    /// Sends what the socket takes without blocking; returns the byte count (0 when it would block).
    func sendSome(_ bytes: UnsafeRawBufferPointer) throws(ConnectionError) -> Int {
        while true {
            let n = send(descriptor, bytes.baseAddress!, bytes.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return 0 }
            throw ConnectionError(
                errno == EPIPE || errno == ECONNRESET ? .closed : .failed, path: path,
                "cannot send to \(path): \(systemError())")
        }
    }

    /// Reads what is available, blocking until something is; 0 means the daemon closed the connection.
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(ConnectionError) -> Int {
        while true {
            let n = recv(descriptor, buffer.baseAddress!, buffer.count, 0)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                throw ConnectionError(
                    .timedOut, path: path, "no answer from the daemon at \(path) within the time limit")
            }
            if errno == ECONNRESET { return 0 }
            throw ConnectionError(.failed, path: path, "cannot read from \(path): \(systemError())")
        }
    }

    /// Makes reads and writes return at once instead of waiting (for an event loop).
    func setNonBlocking() {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    /// Reads what is available without waiting: nil when nothing is, 0 when the daemon closed the connection.
    func receiveAvailable(into buffer: UnsafeMutableRawBufferPointer) throws(ConnectionError) -> Int? {
        while true {
            let n = recv(descriptor, buffer.baseAddress!, buffer.count, Int32(MSG_DONTWAIT))
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            if errno == ECONNRESET { return 0 }
            throw ConnectionError(.failed, path: path, "cannot read from \(path): \(systemError())")
        }
    }

    /// Waits until the socket is readable or (when `writable`) writable; returns (readable, writable).
    func wait(forWriting writable: Bool, timeoutMilliseconds: Int32) -> (Bool, Bool) {
        var descriptor = pollfd(
            fd: self.descriptor, events: Int16(POLLIN) | (writable ? Int16(POLLOUT) : 0), revents: 0)
        guard poll(&descriptor, 1, timeoutMilliseconds) > 0 else { return (false, false) }
        let readable = descriptor.revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0
        return (readable, descriptor.revents & Int16(POLLOUT) != 0)
    }

    /// No more requests: the daemon still answers what it has (Formats/protocol.md), then closes.
    func finishSending() { shutdown(descriptor, Int32(SHUT_WR)) }
}

func systemError() -> String { String(cString: strerror(errno)) }
