import CZstd

/// The few libzstd calls the format needs: frame header, one-frame decompression, level-19 compression.
enum Zstd {
    /// What a frame header says about the decompressed size.
    enum ContentSize: Equatable {
        case known(UInt64)
        /// The header is readable but was written without Frame_Content_Size.
        case absent
        /// Not a readable zstd frame header.
        case unreadable
    }

    // ZSTD_CONTENTSIZE_UNKNOWN and _ERROR are macros Swift cannot import: (0ULL - 1) and (0ULL - 2).
    private static let contentSizeUnknown = UInt64.max
    private static let contentSizeError = UInt64.max - 1

    /// The Frame_Content_Size of the frame at the start of `frame`.
    static func contentSize(of frame: UnsafeRawBufferPointer) -> ContentSize {
        guard let base = frame.baseAddress else { return .unreadable }
        let size = UInt64(ZSTD_getFrameContentSize(base, frame.count))
        switch size {
        case contentSizeUnknown: return .absent
        case contentSizeError: return .unreadable
        default: return .known(size)
        }
    }

    /// Decodes `frame`, which must be exactly one zstd frame, into all of `destination`.
    ///
    /// - Returns: nil on success, else why decoding failed (truncated frame, bytes after it, corrupt data, or a
    ///   size other than `destination.count`).
    static func decompress(_ frame: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) -> String?
    {
        guard let source = frame.baseAddress else { return "empty zstd frame" }
        // ZSTD_decompressDCtx would go on to decode a second frame; measuring the first one pins "exactly one".
        let frameSize = ZSTD_findFrameCompressedSize(source, frame.count)
        if ZSTD_isError(frameSize) != 0 { return "zstd frame is unreadable or truncated (\(errorName(frameSize)))" }
        if frameSize != frame.count { return "\(frame.count - frameSize) bytes after the zstd frame" }
        guard let context = ZSTD_createDCtx() else { return "cannot create a zstd decoder" }
        defer { ZSTD_freeDCtx(context) }
        // A zero-capacity destination still needs a valid pointer for libzstd.
        var empty: UInt8 = 0
        let produced = withUnsafeMutablePointer(to: &empty) { fallback in
            ZSTD_decompressDCtx(
                context, destination.baseAddress ?? UnsafeMutableRawPointer(fallback),
                destination.count, source, frame.count)
        }
        if ZSTD_isError(produced) != 0 { return "zstd decoding failed (\(errorName(produced)))" }
        if produced != destination.count { return "decompressed \(produced) bytes, expected \(destination.count)" }
        return nil
    }

    /// One frame at `level` with the content size in its header, no checksum and no dictionary id (the section's
    /// CRC-32 already covers the stored bytes).
    static func compress(_ raw: UnsafeRawBufferPointer, level: Int32 = Layout.zstdLevel) -> [UInt8] {
        let bound = ZSTD_compressBound(raw.count)
        guard let context = ZSTD_createCCtx() else { fatalError("cannot create a zstd encoder: out of memory") }
        defer { ZSTD_freeCCtx(context) }
        var empty: UInt8 = 0
        return [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
            let written = withUnsafeMutablePointer(to: &empty) { fallback in
                ZSTD_compressCCtx(
                    context, buffer.baseAddress, bound,
                    raw.baseAddress ?? UnsafeRawPointer(fallback), raw.count, level)
            }
            // Only a bad parameter or a too-small buffer can fail here, and compressBound rules out the latter.
            precondition(ZSTD_isError(written) == 0, "zstd compression failed: \(errorName(written))")
            count = written
        }
    }

    private static func errorName(_ code: Int) -> String {
        String(cString: ZSTD_getErrorName(code))
    }
}
