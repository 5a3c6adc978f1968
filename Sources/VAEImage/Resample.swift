extension PixelImage {
    /// This image scaled to exactly `width`×`height` (the aspect ratio is not kept).
    ///
    /// Each axis is resampled on its own: an axis that shrinks averages the source pixels each output pixel covers
    /// (weighted by overlap, so thin strokes fade rather than vanish), an axis that grows interpolates linearly
    /// between the nearest pixel centres (clamped at the edges). Equal sizes return the image unchanged.
    package func resized(width newWidth: Int, height newHeight: Int) -> PixelImage {
        precondition(newWidth >= 1 && newHeight >= 1, "a resized image needs at least one pixel")
        if newWidth == width && newHeight == height { return self }
        let columns = ResampleTaps(source: width, target: newWidth)
        let rows = ResampleTaps(source: height, target: newHeight)
        // Horizontal pass into floats, then vertical pass into bytes.
        var across = [Float](repeating: 0, count: height * newWidth * channels)
        for y in 0..<height {
            for x in 0..<newWidth {
                for c in 0..<channels {
                    var sum: Float = 0
                    for tap in columns.taps[x] {
                        sum += tap.weight * Float(pixels[(y * width + tap.index) * channels + c])
                    }
                    across[(y * newWidth + x) * channels + c] = sum
                }
            }
        }
        var out = [UInt8](repeating: 0, count: newHeight * newWidth * channels)
        for y in 0..<newHeight {
            for x in 0..<newWidth {
                for c in 0..<channels {
                    var sum: Float = 0
                    for tap in rows.taps[y] { sum += tap.weight * across[(tap.index * newWidth + x) * channels + c] }
                    out[(y * newWidth + x) * channels + c] = UInt8(min(max(sum, 0), 255).rounded())
                }
            }
        }
        return PixelImage(width: newWidth, height: newHeight, channels: channels, pixels: out)
    }
}

/// For each output pixel along one axis, the source pixels it draws from and their weights (summing to 1).
struct ResampleTaps {
    struct Tap {
        var index: Int
        var weight: Float
    }

    var taps: [[Tap]]

    init(source: Int, target: Int) {
        let scale = Double(source) / Double(target)
        taps = (0..<target).map { j in
            if scale > 1 {
                // Shrinking: the output pixel covers [j·scale, (j+1)·scale) of the source; weight by overlap.
                let start = Double(j) * scale
                let end = Double(j + 1) * scale
                var taps: [Tap] = []
                var i = Int(start)
                while Double(i) < end && i < source {
                    let overlap = min(end, Double(i + 1)) - max(start, Double(i))
                    if overlap > 0 { taps.append(Tap(index: i, weight: Float(overlap / scale))) }
                    i += 1
                }
                return taps
            }
            // Growing (or equal): linear between the two nearest source pixel centres.
            let position = min(max((Double(j) + 0.5) * scale - 0.5, 0), Double(source - 1))
            let left = Int(position)
            let fraction = Float(position - Double(left))
            guard fraction > 0, left + 1 < source else { return [Tap(index: left, weight: 1)] }
            return [Tap(index: left, weight: 1 - fraction), Tap(index: left + 1, weight: fraction)]
        }
    }
}
