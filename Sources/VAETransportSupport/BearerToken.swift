import Crypto

/// The token `--auth-token-file` holds, checked against `Authorization: Bearer <token>` in constant time.
package struct BearerToken: Sendable {
    /// SHA-256 of the token: comparing digests of equal length keeps the comparison's time independent of where a
    /// guess first differs, and of the token's length.
    private let digest: [UInt8]

    package init(_ token: String) {
        digest = Array(SHA256.hash(data: Array(token.utf8)))
    }

    /// Reads the token from a file (surrounding whitespace, such as a final newline, is not part of it).
    package init(contentsOfFile path: String, reading: (String) throws -> [UInt8]) throws(BearerTokenError) {
        let bytes: [UInt8]
        do {
            bytes = try reading(path)
        } catch {
            throw BearerTokenError("cannot read the auth token file \(path): \(error)")
        }
        let token = String(String(decoding: bytes, as: UTF8.self).trimmingASCIIWhitespace)
        guard token.utf8.count >= 16 else {
            throw BearerTokenError("the auth token in \(path) is shorter than 16 characters; use a long random one "
                                   + "(for example: openssl rand -hex 32)")
        }
        self.init(token)
    }

    /// True when `header` (the Authorization header's value) is `Bearer <this token>`.
    package func admits(authorization header: String?) -> Bool {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return false }
        let offered = Array(SHA256.hash(data: Array(header.dropFirst(7).utf8)))
        var difference: UInt8 = 0
        for (a, b) in zip(offered, digest) { difference |= a ^ b }
        return difference == 0
    }
}

package struct BearerTokenError: Error, CustomStringConvertible, Sendable {
    package let description: String
    init(_ description: String) { self.description = description }
}
