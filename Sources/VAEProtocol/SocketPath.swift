#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Where vaed listens and clients connect, resolved the same way on both sides.
public enum SocketPath {
    /// `explicit` (--socket), else `$VAED_SOCKET`, else `$XDG_RUNTIME_DIR/vaed.sock`, else `/tmp/vaed-<uid>/vaed.sock`.
    public static func resolve(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String
    {
        if let explicit, !explicit.isEmpty { return explicit }
        if let path = environment["VAED_SOCKET"], !path.isEmpty { return path }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return "\(runtime)/vaed.sock" }
        return "/tmp/vaed-\(getuid())/vaed.sock"
    }
}
