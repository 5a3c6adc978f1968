/// A TCP address to listen on, from `--http`, `--grpc` or `--metrics`: `HOST:PORT`, `:PORT` or `PORT`, the host
/// defaulting to loopback so nothing is exposed unless asked. IPv6 hosts go in brackets: `[::1]:8080`.
package struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    package var host: String
    package var port: Int

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses the flag's value; the error names what is wrong with it.
    package init(parsing text: String, flag: String) throws(ListenAddressError) {
        var host = "127.0.0.1"
        var portText = Substring(text)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ListenAddressError("\(flag) takes HOST:PORT, [IPV6]:PORT or PORT (got '\(text)')")
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":") {
            guard text.firstIndex(of: ":") == colon else {
                throw ListenAddressError("\(flag): put an IPv6 address in brackets, as [::1]:8080 (got '\(text)')")
            }
            if colon != text.startIndex { host = String(text[..<colon]) }
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText) else {
            throw ListenAddressError("\(flag) takes HOST:PORT or PORT, such as 127.0.0.1:8080 or 8080 (got '\(text)': no port)")
        }
        guard (0...65535).contains(port) else {
            throw ListenAddressError("\(flag) needs a port from 0 to 65535 (got '\(text)')")
        }
        guard !host.isEmpty else { throw ListenAddressError("\(flag) has an empty host (got '\(text)')") }
        self.host = host
        self.port = port
    }

    /// True for 127.0.0.0/8, ::1 and localhost: no other machine can reach it.
    package var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

package struct ListenAddressError: Error, CustomStringConvertible, Sendable {
    package let description: String
    init(_ description: String) { self.description = description }
}

/// A listener could not start (the address is taken, not this machine's, or not resolvable); the description
/// names the address and the flag that gave it. Every TCP transport throws it from `run()`, and vaed exits 1.
package struct ListenError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}
