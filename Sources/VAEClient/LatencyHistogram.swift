/// Counts of latencies in fixed memory, precise to within 1/64 (1.6%) of each value: exact below 128 ns, then 64
/// buckets per power of two (HdrHistogram's layout). Recording is an index computation and an increment.
package struct LatencyHistogram: Sendable, Equatable {
    static let exactBelow: UInt64 = 128
    static let bucketCount = 128 + 57 * 64

    private(set) var counts: [UInt64]
    /// Latencies recorded.
    package private(set) var total: UInt64 = 0
    /// The largest latency recorded, exactly, in nanoseconds.
    package private(set) var maximum: UInt64 = 0
    /// The sum of every latency recorded, in nanoseconds (for the mean).
    package private(set) var sum: UInt64 = 0

    package init() {
        counts = [UInt64](repeating: 0, count: Self.bucketCount)
    }

    /// Records one latency in nanoseconds.
    package mutating func record(nanoseconds value: UInt64) {
        counts[Self.index(of: value)] &+= 1
        total &+= 1
        sum &+= value
        if value > maximum { maximum = value }
    }

    /// Adds another histogram's counts to this one.
    package mutating func merge(_ other: LatencyHistogram) {
        for i in 0..<counts.count { counts[i] &+= other.counts[i] }
        total &+= other.total
        sum &+= other.sum
        maximum = max(maximum, other.maximum)
    }

    /// The latency at or below which `percent` of the recorded ones lie, in nanoseconds: the middle of its bucket,
    /// never above the maximum; 0 when nothing was recorded.
    package func percentile(_ percent: Double) -> UInt64 {
        guard total > 0 else { return 0 }
        let rank = max(1, UInt64((percent / 100 * Double(total)).rounded(.up)))
        var seen: UInt64 = 0
        for (index, count) in counts.enumerated() where count > 0 {
            seen += count
            if seen >= rank { return min(Self.middle(of: index), maximum) }
        }
        return maximum
    }

    /// The mean latency in nanoseconds (0 when empty).
    package var mean: Double { total == 0 ? 0 : Double(sum) / Double(total) }

    static func index(of value: UInt64) -> Int {
        if value < exactBelow { return Int(value) }
        let shift = 63 - value.leadingZeroBitCount - 6  // keeps the top 7 bits: 64...127
        return 128 + (shift - 1) * 64 + Int(value >> UInt64(shift)) - 64
    }

    static func middle(of index: Int) -> UInt64 {
        if index < Int(exactBelow) { return UInt64(index) }
        let shift = (index - 128) / 64 + 1
        let top = UInt64((index - 128) % 64 + 64)
        let low = top << UInt64(shift)
        return low + (UInt64(1) << UInt64(shift)) / 2
    }
}
