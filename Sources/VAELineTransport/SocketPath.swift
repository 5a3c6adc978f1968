#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import VAEProtocol

extension SocketPath {
    /// Creates the private `/tmp/vaed-<uid>` directory (mode 0700) when `path` lives in it, and refuses one that
    /// another user owns or others can enter.
    static func preparePrivateDirectory(for path: String) throws {
        let directory = "/tmp/vaed-\(getuid())"
        guard path.hasPrefix(directory + "/"), !path.dropFirst(directory.count + 1).contains("/") else { return }
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw SocketError("cannot create \(directory): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard lstat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid(),
              info.st_mode & 0o077 == 0 else {
            throw SocketError("\(directory) must be a directory owned by uid \(getuid()) with mode 0700")
        }
    }
}

/// A socket problem, with a message for the user.
struct SocketError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// What is at a socket path before we bind it.
package enum SocketProbe: Equatable, Sendable {
    case absent
    /// A socket file nobody answers on: left by a daemon that died; safe to replace.
    case stale
    /// Another daemon answers there.
    case live
    case notASocket

    package static func probe(_ path: String) -> SocketProbe {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .absent }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { return .notASocket }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .stale }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return .stale }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return connected == 0 ? .live : .stale
    }
}
