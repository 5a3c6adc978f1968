import VAECore

/// Lays images out in a grid, the way torchvision's `save_image` does: `padding` pixels of black around every cell.
package struct ImageGrid: Sendable {
    package let shape: ImageShape
    package let columns: Int
    package let padding: Int

    package init(shape: ImageShape, columns: Int, padding: Int = 2) {
        precondition(columns >= 1 && padding >= 0, "grid needs at least one column and non-negative padding")
        self.shape = shape
        self.columns = columns
        self.padding = padding
    }

    /// The grid of `count` images taken from `values` (each `shape.pixelCount` floats in [0, 1], row-major HWC).
    package func render(_ values: UnsafePointer<Float>, count: Int) -> PixelImage {
        let rows = max(1, (count + columns - 1) / columns)
        let cellW = shape.width + padding, cellH = shape.height + padding
        let width = columns * cellW + padding, height = rows * cellH + padding
        let channels = shape.channels
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        var bytes = [UInt8](repeating: 0, count: shape.pixelCount)
        for index in 0..<count {
            bytes.withUnsafeMutableBufferPointer {
                PixelValues.unitToBytes(values + index * shape.pixelCount, $0.baseAddress!, count: shape.pixelCount)
            }
            let top = padding + (index / columns) * cellH, left = padding + (index % columns) * cellW
            for y in 0..<shape.height {
                let source = y * shape.width * channels
                let destination = ((top + y) * width + left) * channels
                pixels.replaceSubrange(destination..<(destination + shape.width * channels),
                                       with: bytes[source..<(source + shape.width * channels)])
            }
        }
        return PixelImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Convenience over an array.
    package func render(_ values: [Float]) -> PixelImage {
        precondition(values.count % shape.pixelCount == 0, "values are not a whole number of images")
        return values.withUnsafeBufferPointer { render($0.baseAddress!, count: values.count / shape.pixelCount) }
    }
}
