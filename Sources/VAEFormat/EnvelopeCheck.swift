import Crypto

/// Steps 1–8 of Formats/vaez.md (section 11.2): the preamble fields, the file length and the footer.
///
/// Step 7 (the SHA-256) is its own function so the reader can run it beside the later steps; the result is still
/// reported in step order.
enum EnvelopeCheck {
    /// Steps 1–6: size, magic, version, required features, file_length, end magic.
    static func checkPreamble(_ file: UnsafeRawBufferPointer) throws(VAEZError) -> Preamble {
        let minimum = Layout.preambleSize + Layout.footerSize
        guard file.count >= minimum else {
            throw VAEZError(.tooShort, "the file has \(file.count) bytes; a .vaez file has at least \(minimum)")
        }
        guard file.prefix(8).elementsEqual(Layout.magic) else {
            throw VAEZError(
                .badMagic, "the file starts with \(hexBytes(file.prefix(8))), expected \(hexBytes(Layout.magic))")
        }
        let preamble = Preamble(file)
        guard preamble.versionMajor == Layout.versionMajor else {
            throw VAEZError(
                .unsupportedVersion,
                "version \(preamble.versionMajor).\(preamble.versionMinor); this reader reads 1.x")
        }
        guard preamble.requiredFeatures == 0 else {
            throw VAEZError(
                .unknownRequiredFeature,
                "required_features is 0x\(String(preamble.requiredFeatures, radix: 16)); v1 defines none")
        }
        guard preamble.fileLength == UInt64(file.count) else {
            throw VAEZError(
                .fileLengthMismatch,
                "the file_length field says \(preamble.fileLength), the file has \(file.count) bytes")
        }
        // The footer starts on a 64-byte boundary, so every valid length is 64k + 40.
        guard (file.count - Layout.footerSize) % Layout.alignment == 0 else {
            throw VAEZError(
                .fileLengthMismatch,
                "file_length \(file.count) puts the footer off a 64-byte boundary")
        }
        let endMagic = file.suffix(Layout.endMagic.count)
        guard endMagic.elementsEqual(Layout.endMagic) else {
            throw VAEZError(
                .badEndMagic, "the file ends with \(hexBytes(endMagic)), expected \(hexBytes(Layout.endMagic))")
        }
        return preamble
    }

    /// Step 7: the footer's SHA-256 against the body. Returns the body's digest and the whole file's hex digest.
    static func checkSHA256(_ file: UnsafeRawBufferPointer) -> Result<FileDigests, VAEZError> {
        let footer = file.count - Layout.footerSize
        var hasher = SHA256()
        hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: file[..<footer]))
        // The whole-file digest continues from the body's state, so the body is hashed once.
        var whole = hasher
        whole.update(bufferPointer: UnsafeRawBufferPointer(rebasing: file[footer...]))
        let body = Array(hasher.finalize())
        guard body.elementsEqual(file[footer..<(footer + 32)]) else {
            return .failure(
                VAEZError(
                    .sha256Mismatch,
                    "the SHA-256 of bytes [0, \(footer)) does not match the one in the footer"))
        }
        return .success(FileDigests(content: hexString(body), file: hexString(Array(whole.finalize()))))
    }

    /// Step 8: reserved preamble bytes.
    static func checkReserved(_ file: UnsafeRawBufferPointer) throws(VAEZError) {
        if let offset = file.firstNonzero(in: Layout.reservedPreamble) {
            throw VAEZError(.reservedNonzero, "reserved preamble byte \(offset) is \(hexBytes([file[offset]])), not 0")
        }
    }
}

/// The two SHA-256 digests of a file, as lowercase hex.
struct FileDigests: Sendable {
    /// Of everything before the footer: the value stored in the footer.
    var content: String
    /// Of the whole file, footer included (what `sha256sum` prints).
    var file: String
}

/// Bytes as spaced hex pairs for messages: `89 56 41 45`.
func hexBytes<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    bytes.map { byte in
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }.joined(separator: " ")
}

/// Bytes as one lowercase hex string.
func hexString<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}
