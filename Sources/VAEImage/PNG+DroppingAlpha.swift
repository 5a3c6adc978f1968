import VAEFiles

extension PNG {
    /// Decodes a PNG file to 8-bit `channels` (1 grey or 3 RGB) with any alpha channel dropped rather than
    /// composited onto black (which `decode(_:channels:source:)` does): a half-transparent red pixel stays red.
    /// Grey is replicated into RGB and colour folded to grey as `decode` does; an opaque file gives the same bytes.
    /// - Throws: `DataError.badImage` naming `source` and libpng's reason.
    package static func decodeDroppingAlpha(_ bytes: [UInt8], channels: Int, source: String = "PNG") throws(DataError)
        -> PixelImage
    {
        precondition(channels == 1 || channels == 3, "grey or RGB")
        let withAlpha = try decode(bytes, channels: channels + 1, source: source)
        let count = withAlpha.width * withAlpha.height
        var pixels = [UInt8](repeating: 0, count: count * channels)
        withAlpha.pixels.withUnsafeBufferPointer { from in
            pixels.withUnsafeMutableBufferPointer { to in
                for p in 0..<count {
                    for k in 0..<channels { to[p * channels + k] = from[p * (channels + 1) + k] }
                }
            }
        }
        return PixelImage(width: withAlpha.width, height: withAlpha.height, channels: channels, pixels: pixels)
    }
}
