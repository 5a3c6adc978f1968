import Foundation

/// Maps data values on one axis to pixel positions, and chooses that axis's ticks.
package struct PlotScale: Sendable {
    /// How values map to positions.
    package enum Kind: Sendable, Equatable {
        case linear
        /// log10; the domain must be positive.
        case logarithmic
    }

    package let kind: Kind
    package let domain: ClosedRange<Double>
    /// Pixel positions of the domain's lower and upper ends (the upper may be the smaller, as on a y axis).
    let lowerPosition: Double
    let upperPosition: Double

    /// - Parameters:
    ///   - domain: the data range; an empty range is widened so that every value still maps somewhere sensible.
    package init(kind: Kind = .linear, domain: ClosedRange<Double>, from lowerPosition: Double, to upperPosition: Double) {
        var low = domain.lowerBound, high = domain.upperBound
        if kind == .logarithmic {
            low = max(low, 1e-300)
            high = max(high, low)
            if high <= low {
                low /= 10
                high *= 10
            }
        } else if high <= low {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        self.kind = kind
        self.domain = low...high
        self.lowerPosition = lowerPosition
        self.upperPosition = upperPosition
    }

    /// The pixel position of `value` (values outside the domain map outside the range).
    package func position(_ value: Double) -> Double {
        let t: Double
        switch kind {
        case .linear: t = (value - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
        case .logarithmic:
            t = (log10(max(value, 1e-300)) - log10(domain.lowerBound))
                / (log10(domain.upperBound) - log10(domain.lowerBound))
        }
        return lowerPosition + t * (upperPosition - lowerPosition)
    }

    /// About `count` ticks at round values inside the domain (1, 2 or 5 times a power of ten; powers of ten on a
    /// log scale).
    package func ticks(count: Int = 6) -> [Double] {
        switch kind {
        case .linear: return Self.niceTicks(domain, count: count)
        case .logarithmic:
            let first = Int(ceil(log10(domain.lowerBound) - 1e-9)), last = Int(floor(log10(domain.upperBound) + 1e-9))
            guard first <= last else { return [domain.lowerBound, domain.upperBound] }
            let step = max(1, (last - first + 1 + count - 1) / count)
            return stride(from: first, through: last, by: step).map { pow(10, Double($0)) }
        }
    }

    /// Heckbert's nice numbers: a step of 1, 2 or 5 × 10ⁿ giving about `count` ticks.
    static func niceTicks(_ range: ClosedRange<Double>, count: Int) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite, count >= 2 else { return [range.lowerBound] }
        let rough = span / Double(count - 1)
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let first = ceil(range.lowerBound / step - 1e-9)
        let last = floor(range.upperBound / step + 1e-9)
        guard last >= first else { return [range.lowerBound] }
        return stride(from: first, through: last, by: 1).map { ($0 * step * 1e12).rounded() / 1e12 }
    }

    /// A domain covering `values` with a little room on both sides (`margin` of the span), on round numbers when
    /// `nice`.
    static func paddedDomain(_ values: [Double], margin: Double = 0.05) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return 0...1 }
        let span = high - low
        let pad = span > 0 ? span * margin : max(abs(low) * 0.1, 1)
        return (low - pad)...(high + pad)
    }
}
