#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// systemd socket activation (sd_listen_fds(3)): the listening socket arrives as fd 3 when LISTEN_PID names this
/// process and LISTEN_FDS is at least 1.
package enum SocketActivation {
    static let firstFileDescriptor: Int32 = 3

    /// The passed socket, or nil when none was passed to this process. The variables are removed so that child
    /// processes do not take the socket for theirs.
    package static func takeListeningSocket() -> Int32? {
        let environment = ProcessInfo.processInfo.environment
        defer {
            unsetenv("LISTEN_PID")
            unsetenv("LISTEN_FDS")
            unsetenv("LISTEN_FDNAMES")
        }
        return listeningSocket(environment: environment, pid: getpid())
    }

    /// The rule itself, for tests.
    package static func listeningSocket(environment: [String: String], pid: Int32) -> Int32? {
        guard let listenPID = environment["LISTEN_PID"].flatMap(Int32.init), listenPID == pid,
              let count = environment["LISTEN_FDS"].flatMap(Int.init), count >= 1 else { return nil }
        return firstFileDescriptor
    }
}
