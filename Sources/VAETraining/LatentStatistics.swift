
/// Mean and standard deviation of the latent means mu, per dimension, over a dataset.
///
/// An AE has no prior to sample from; it samples z = mean + std·ε from these instead.
package struct LatentStatistics: Sendable, Equatable, Codable {
    package var mean: [Float]
    var standardDeviation: [Float]

    struct Accumulator {
        var sum: [Double]
        var sumOfSquares: [Double]
        var count = 0

        init(zDim: Int) {
            sum = Array(repeating: 0, count: zDim)
            sumOfSquares = Array(repeating: 0, count: zDim)
        }

        /// Adds `rows` rows whose first z_dim values (of `stride`) are mu.
        mutating func add(head: UnsafePointer<Float>, rows: Int, stride: Int) {
            for r in 0..<rows {
                for j in 0..<sum.count {
                    let mu = Double(head[r * stride + j])
                    sum[j] += mu
                    sumOfSquares[j] += mu * mu
                }
            }
            count += rows
        }

        var statistics: LatentStatistics {
            let n = Double(max(count, 1))
            let mean = sum.map { $0 / n }
            let std = zip(sumOfSquares, mean).map { max($0 / n - $1 * $1, 0).squareRoot() }
            return LatentStatistics(mean: mean.map(Float.init), standardDeviation: std.map(Float.init))
        }
    }
}
