import Testing

@testable import VAEClient

@Suite("Latency histogram")
struct LatencyHistogramTests {
    @Test func percentilesAreWithinTheBucketPrecision() {
        var histogram = LatencyHistogram()
        // 1 µs … 10,000 µs, one of each: the p-th percentile is p% of 10 ms.
        for microseconds in 1...10_000 { histogram.record(nanoseconds: UInt64(microseconds) * 1000) }
        #expect(histogram.total == 10_000)
        #expect(histogram.maximum == 10_000_000)
        for (percent, expected) in [(50.0, 5_000_000.0), (90, 9_000_000), (99, 9_900_000), (99.9, 9_990_000)] {
            let value = Double(histogram.percentile(percent))
            #expect(abs(value - expected) / expected < 1.0 / 64, "p\(percent) = \(value)")
        }
        #expect(histogram.percentile(100) == 10_000_000, "never above the maximum")
        #expect(abs(histogram.mean - 5_000_500) < 1)
    }

    @Test func smallValuesAreExactAndBucketsCoverEverything() {
        var histogram = LatencyHistogram()
        for value: UInt64 in [0, 1, 127] { histogram.record(nanoseconds: value) }
        #expect(histogram.percentile(34) == 1 && histogram.percentile(1) == 0 && histogram.percentile(100) == 127)
        histogram.record(nanoseconds: .max)
        #expect(histogram.maximum == .max)
        // Indices grow with the value and stay inside the table.
        var previous = -1
        for shift in 0..<64 {
            let index = LatencyHistogram.index(of: UInt64(1) << UInt64(shift))
            #expect(index > previous && index < LatencyHistogram.bucketCount)
            previous = index
        }
    }

    @Test func mergingAddsCounts() {
        var a = LatencyHistogram()
        var b = LatencyHistogram()
        for _ in 0..<3 { a.record(nanoseconds: 1000) }
        b.record(nanoseconds: 9000)
        a.merge(b)
        #expect(a.total == 4 && a.maximum == 9000 && a.percentile(75) < 1100 && a.percentile(100) == 9000)
        #expect(LatencyHistogram().percentile(50) == 0)
    }
}
