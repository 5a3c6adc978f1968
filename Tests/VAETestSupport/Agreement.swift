/// How far apart two results of the same computation may be when only float rounding separates them.
package enum Tolerance {
    /// Formats/protocol.md §6: encode, decode and denoise results do not depend on batching beyond float rounding,
    /// ≤ 1e-5 absolute. GEMM results differ in the last bits between batch sizes, row positions, thread counts, CPUs
    /// and GEMM libraries, so only comparisons within one batch composition may expect equal bits.
    package static let batching = 1e-5

    /// One level of an 8-bit image: round(255·p) moves to the next level when p crosses a half-level boundary, by
    /// however little, so images that agree to float rounding give bytes at most one level apart.
    package static let byteLevel = 1.0
}

/// Two sequences of numbers compared element by element within an absolute tolerance: `holds` when they have the
/// same length and no pair is farther apart (a NaN is never within tolerance); `description` says how they differ.
package struct Agreement: CustomStringConvertible, Sendable {
    package let tolerance: Double
    package let counts: (Int, Int)
    /// Pairs farther apart than the tolerance.
    package let outside: Int
    /// The farthest pair: its index and values.
    package let worst: (index: Int, a: Double, b: Double)?

    package var holds: Bool { counts.0 == counts.1 && outside == 0 }

    package var description: String {
        var parts: [String] = []
        if counts.0 != counts.1 { parts.append("\(counts.0) values against \(counts.1)") }
        if outside > 0 { parts.append("\(outside) of \(min(counts.0, counts.1)) pairs differ by more than \(tolerance)") }
        if let worst {
            parts.append("largest difference \(abs(worst.a - worst.b)) at index \(worst.index) (\(worst.a) vs \(worst.b))")
        }
        return parts.isEmpty ? "all \(counts.0) values agree within \(tolerance)" : parts.joined(separator: "; ")
    }

    /// Compares `a` and `b`.
    package init(_ a: [Double], _ b: [Double], within tolerance: Double) {
        self.tolerance = tolerance
        counts = (a.count, b.count)
        var outside = 0
        var worst: (index: Int, a: Double, b: Double)?
        var largest = -1.0
        for (index, (x, y)) in zip(a, b).enumerated() {
            let difference = x.isNaN || y.isNaN ? Double.infinity : abs(x - y)
            if !(difference <= tolerance) { outside += 1 }
            if difference > largest {
                largest = difference
                worst = (index, x, y)
            }
        }
        self.outside = outside
        self.worst = worst
    }
}

/// Floats (of any width) compared within `tolerance`.
package func agreement<A: Sequence, B: Sequence>(_ a: A, _ b: B, within tolerance: Double) -> Agreement
where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
    Agreement(a.map { Double($0) }, b.map { Double($0) }, within: tolerance)
}

/// 8-bit pixels compared within ±`levels`.
package func pixelAgreement(_ a: [UInt8], _ b: [UInt8], levels: Double = Tolerance.byteLevel) -> Agreement {
    Agreement(a.map { Double($0) }, b.map { Double($0) }, within: levels)
}
