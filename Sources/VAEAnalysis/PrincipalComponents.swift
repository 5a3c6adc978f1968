/// Principal component analysis of a point cloud: its mean, principal axes and the variance along each.
package struct PrincipalComponents: Sendable {
    /// The mean of the points.
    package let mean: [Double]
    /// Unit principal axes, the direction of largest variance first.
    package let axes: [[Double]]
    /// The variance along each axis (eigenvalues of the covariance, with the 1/n of a population covariance).
    package let variances: [Double]

    /// Analyses `count` points of `dimension` values each, stored row-major in `points`.
    package init(points: [Float], count: Int, dimension: Int) {
        precondition(count >= 1 && dimension >= 1 && points.count == count * dimension, "points must be count × dimension")
        var mean = [Double](repeating: 0, count: dimension)
        for i in 0..<count {
            for j in 0..<dimension { mean[j] += Double(points[i * dimension + j]) }
        }
        mean = mean.map { $0 / Double(count) }
        var covariance = [Double](repeating: 0, count: dimension * dimension)
        var centred = [Double](repeating: 0, count: dimension)
        for i in 0..<count {
            for j in 0..<dimension { centred[j] = Double(points[i * dimension + j]) - mean[j] }
            for j in 0..<dimension {
                for k in j..<dimension { covariance[j * dimension + k] += centred[j] * centred[k] }
            }
        }
        covariance = covariance.map { $0 / Double(count) }
        let eigen = SymmetricEigen(matrix: covariance, dimension: dimension)
        self.mean = mean
        axes = eigen.vectors
        variances = eigen.values.map { max($0, 0) }
    }

    /// The fraction of the total variance along each axis.
    package var explainedVarianceRatio: [Double] {
        let total = variances.reduce(0, +)
        return variances.map { total > 0 ? $0 / total : 0 }
    }

    /// The coordinates of `point` on the first `components` axes.
    package func project(_ point: ArraySlice<Float>, components: Int) -> [Double] {
        precondition(point.count == mean.count && components <= axes.count, "point or component count out of range")
        return (0..<components).map { c in
            var sum = 0.0
            for (j, value) in point.enumerated() { sum += (Double(value) - mean[j]) * axes[c][j] }
            return sum
        }
    }
}
