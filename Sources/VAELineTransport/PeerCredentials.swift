#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Who is on the other end of a Unix socket connection, and whether they may use the daemon.
///
/// The socket file's mode is the first gate (the kernel checks it on connect); SO_PEERCRED is the second, so a mode
/// that is too open (or a socket passed in by systemd) still admits only the owner, root, and — when the mode lets
/// the group in — members of the daemon's group.
enum PeerCredentials {
    /// Linux's `struct ucred` (glibc hides it behind _GNU_SOURCE): what SO_PEERCRED fills in.
    struct Credential: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// nil when the peer is admitted, else why not (on the channel's event loop, before anything is read).
    static func refusal(for channel: any Channel, socketMode: mode_t) -> EventLoopFuture<String?> {
        guard let provider = channel as? SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture("cannot read the peer's credentials")
        }
        return provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
            .map { (peer: Credential) -> String? in
                if peer.uid == 0 || peer.uid == getuid() { return nil }
                if socketMode & 0o070 != 0 && groups(of: peer.pid, primary: peer.gid).contains(getgid()) { return nil }
                return "uid \(peer.uid) (pid \(peer.pid)) is neither the daemon's user nor admitted by --socket-mode \(String(socketMode, radix: 8))"
            }
            .recover { "cannot read the peer's credentials: \($0)" }
    }

    /// The primary and supplementary groups of a process, from /proc (ucred carries only the primary one).
    static func groups(of pid: pid_t, primary: gid_t) -> Set<gid_t> {
        var groups: Set<gid_t> = [primary]
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return groups }
        for line in status.split(separator: "\n") where line.hasPrefix("Groups:") {
            for field in line.dropFirst("Groups:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                if let gid = gid_t(field) { groups.insert(gid) }
            }
        }
        return groups
    }
}
