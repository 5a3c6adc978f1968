import VAECore
import VAEFiles

/// The denoising corruption: each value independently, with probability `fraction`, gets |N(0, 1)| added,
/// and the result is clipped to [0, 1].
///
/// Training applies it to the input only; the target stays the clean image.
package struct NoiseCorruption: Sendable, Equatable {
    package let fraction: Float

    /// - Throws: `DataError.invalidValue` when `fraction` is not in [0, 1].
    package init(fraction: Float) throws(DataError) {
        guard fraction.isFinite, (0...1).contains(fraction) else {
            throw DataError(.invalidValue, "noise fraction must be in [0, 1] (got \(fraction))")
        }
        self.fraction = fraction
    }

    /// Corrupts `count` values in place, drawing from `random`.
    package func apply(to values: UnsafeMutablePointer<Float>, count: Int, random: inout RandomSource) {
        guard fraction > 0 else { return }
        // Compare 24-bit integers: exact, and the same decision on every platform.
        let threshold = UInt64((Double(fraction) * 0x1p24).rounded())
        for i in 0..<count where random.next() >> 40 < threshold {
            let (n, _) = random.nextNormalPair()
            values[i] = min(values[i] + abs(n), 1)
        }
    }

    /// A corrupted copy of `values`.
    package func applied(to values: [Float], random: inout RandomSource) -> [Float] {
        var copy = values
        copy.withUnsafeMutableBufferPointer { apply(to: $0.baseAddress!, count: $0.count, random: &random) }
        return copy
    }
}
