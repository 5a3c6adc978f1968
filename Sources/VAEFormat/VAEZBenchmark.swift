import VAENumerics

/// Timing of a full load for performance checks (not used by tests: timings on a shared machine are not results).
package enum VAEZBenchmark {
    /// Reads and fully verifies the file at `path` `repeats` times (file read, SHA-256, every CRC, decompression,
    /// dequantisation), after one untimed warm-up read.
    ///
    /// - Returns: the fastest and the median wall time of one read, in seconds.
    package static func measureLoad(path: String, repeats: Int) throws -> (best: Double, median: Double) {
        precondition(repeats >= 1, "measureLoad needs at least one repeat")
        _ = try VAEZReader.read(path: path)
        let clock = ContinuousClock()
        var seconds: [Double] = []
        for _ in 0..<repeats {
            let start = clock.now
            _ = try VAEZReader.read(path: path)
            seconds.append((clock.now - start).inSeconds)
        }
        seconds.sort()
        let middle = seconds.count / 2
        let median = seconds.count % 2 == 1 ? seconds[middle] : (seconds[middle - 1] + seconds[middle]) / 2
        return (seconds[0], median)
    }
}
