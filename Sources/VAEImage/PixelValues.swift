import CVAEKernels

/// Conversions between 8-bit pixels and the floats in [0, 1] that models take and give: a byte b is b / 255, and a
/// float is clamped to [0, 1], scaled by 255 and rounded to the nearest byte.
///
/// The same vectorised C kernels as the numeric core's, without its GEMM, so image code (and the client) has them
/// without linking oneDNN.
package enum PixelValues {
    /// Bytes 0...255 to floats in [0, 1].
    @inline(__always)
    package static func bytesToUnit(
        _ source: UnsafePointer<UInt8>, _ destination: UnsafeMutablePointer<Float>, count: Int
    ) {
        vk_u8_to_unit(source, destination, count)
    }

    /// Floats (clamped to [0, 1]) to bytes, rounded to nearest.
    @inline(__always)
    package static func unitToBytes(
        _ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<UInt8>, count: Int
    ) {
        vk_unit_to_u8(source, destination, count)
    }
}

extension PixelImage {
    /// The pixels as floats in [0, 1] (`PixelValues.bytesToUnit`).
    package var unitValues: [Float] {
        [Float](unsafeUninitializedCapacity: pixels.count) { buffer, initialized in
            pixels.withUnsafeBufferPointer {
                if let source = $0.baseAddress, let destination = buffer.baseAddress {
                    PixelValues.bytesToUnit(source, destination, count: $0.count)
                }
            }
            initialized = pixels.count
        }
    }

    /// An image of `width`×`height`×`channels` from floats in [0, 1] (`PixelValues.unitToBytes`).
    package init(width: Int, height: Int, channels: Int = 1, unitValues: [Float]) {
        precondition(unitValues.count == width * height * channels, "value count disagrees with the size")
        let pixels = [UInt8](unsafeUninitializedCapacity: unitValues.count) { buffer, initialized in
            unitValues.withUnsafeBufferPointer {
                if let source = $0.baseAddress, let destination = buffer.baseAddress {
                    PixelValues.unitToBytes(source, destination, count: $0.count)
                }
            }
            initialized = unitValues.count
        }
        self.init(width: width, height: height, channels: channels, pixels: pixels)
    }
}
