import Crypto

/// SHA-256 through swift-crypto (BoringSSL's assembly, with the SHA extensions where the CPU has them).
enum SHA256Digest {
    static func of(_ bytes: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }

    /// Lowercase hex SHA-256 of `bytes`.
    static func hex(_ bytes: [UInt8]) -> String {
        hexString(of(bytes))
    }
}
