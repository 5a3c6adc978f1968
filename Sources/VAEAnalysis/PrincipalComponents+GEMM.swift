import VAENumerics

extension PrincipalComponents {
    /// The rows GEMM takes at once, here and in `projections` and `reconstructions`.
    private static let blockRows = 1024

    /// The same analysis as `init(points:count:dimension:)` for many points of many values (20,000 images of 784
    /// pixels): the covariance by GEMM, its eigenvectors by Householder reduction and QL (`SymmetricEigen
    /// (householderQL:dimension:)`).
    ///
    /// The covariance sums Float products of centred values over blocks of 1,024 rows by GEMM and adds the blocks
    /// in Double, so its rounding is that of a 1,024-term Float sum, not of a 20,000-term one.
    package init(manyPoints points: [Float], count: Int, dimension: Int) {
        precondition(count >= 1 && dimension >= 1 && points.count == count * dimension, "points must be count × dimension")
        var mean = [Double](repeating: 0, count: dimension)
        for i in 0..<count {
            for j in 0..<dimension { mean[j] += Double(points[i * dimension + j]) }
        }
        mean = mean.map { $0 / Double(count) }
        var covariance = [Double](repeating: 0, count: dimension * dimension)
        var product = [Float](repeating: 0, count: dimension * dimension)
        var centred = [Float](repeating: 0, count: min(count, Self.blockRows) * dimension)
        for first in stride(from: 0, to: count, by: Self.blockRows) {
            let rows = min(Self.blockRows, count - first)
            for i in 0..<rows {
                for j in 0..<dimension {
                    centred[i * dimension + j] = Float(Double(points[(first + i) * dimension + j]) - mean[j])
                }
            }
            centred.withUnsafeBufferPointer { x in
                product.withUnsafeMutableBufferPointer { c in
                    GEMM.multiply(transposeA: true, m: dimension, n: dimension, k: rows, a: x.baseAddress!,
                                  lda: dimension, b: x.baseAddress!, ldb: dimension, c: c.baseAddress!, ldc: dimension)
                }
            }
            for t in covariance.indices { covariance[t] += Double(product[t]) }
        }
        covariance = covariance.map { $0 / Double(count) }
        let eigen = SymmetricEigen(householderQL: covariance, dimension: dimension)
        self.mean = mean
        axes = eigen.vectors
        variances = eigen.values.map { max($0, 0) }
    }

    /// The coordinates of each of `count` points (row-major in `points`) on the first `components` axes:
    /// `count × components` values, row-major, by GEMM in Float.
    package func projections(of points: [Float], count: Int, components: Int) -> [Float] {
        let dimension = mean.count
        precondition(points.count == count * dimension && components >= 0 && components <= axes.count,
                     "points or component count out of range")
        let basis = self.basis(components)
        let meanFloats = mean.map(Float.init)
        var coordinates = [Float](repeating: 0, count: count * components)
        var centred = [Float](repeating: 0, count: min(count, Self.blockRows) * dimension)
        guard components > 0 else { return coordinates }
        for first in stride(from: 0, to: count, by: Self.blockRows) {
            let rows = min(Self.blockRows, count - first)
            for i in 0..<rows {
                for j in 0..<dimension { centred[i * dimension + j] = points[(first + i) * dimension + j] - meanFloats[j] }
            }
            centred.withUnsafeBufferPointer { x in
                basis.withUnsafeBufferPointer { b in
                    coordinates.withUnsafeMutableBufferPointer { c in
                        GEMM.multiply(transposeB: true, m: rows, n: components, k: dimension, a: x.baseAddress!,
                                      lda: dimension, b: b.baseAddress!, ldb: dimension,
                                      c: c.baseAddress! + first * components, ldc: components)
                    }
                }
            }
        }
        return coordinates
    }

    /// The points that `coordinates` on the first `components` axes stand for, mean + Σ_c coordinate_c · axis_c
    /// (scikit-learn's `PCA.inverse_transform`), not clipped: `count × dimension` values, by GEMM in Float.
    package func reconstructions(from coordinates: [Float], components: Int) -> [Float] {
        let dimension = mean.count
        precondition(components >= 1 && components <= axes.count && coordinates.count % components == 0,
                     "coordinates or component count out of range")
        let count = coordinates.count / components
        let basis = self.basis(components)
        var points = [Float](repeating: 0, count: count * dimension)
        coordinates.withUnsafeBufferPointer { a in
            basis.withUnsafeBufferPointer { b in
                points.withUnsafeMutableBufferPointer { c in
                    GEMM.multiply(m: count, n: dimension, k: components, a: a.baseAddress!, lda: components,
                                  b: b.baseAddress!, ldb: dimension, c: c.baseAddress!, ldc: dimension)
                }
            }
        }
        let meanFloats = mean.map(Float.init)
        for i in 0..<count {
            for j in 0..<dimension { points[i * dimension + j] += meanFloats[j] }
        }
        return points
    }

    /// The first `components` axes as a row-major `components × dimension` Float matrix.
    private func basis(_ components: Int) -> [Float] {
        axes.prefix(components).flatMap { $0.map(Float.init) }
    }
}
