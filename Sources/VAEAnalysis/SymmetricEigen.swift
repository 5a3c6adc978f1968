/// Eigenvalues and eigenvectors of a small real symmetric matrix, by the cyclic Jacobi method.
///
/// Why not LAPACK: the project links no LAPACK (its GEMM is oneDNN's), and one more library for a solver this small
/// would not pay. The matrices here are
/// covariances of latent codes (d = z_dim, a few dozen at most), where Jacobi in Double is exact to rounding,
/// simple to check and takes microseconds.
package struct SymmetricEigen: Sendable {
    /// Eigenvalues, largest first.
    package let values: [Double]
    /// `vectors[i]` is the unit eigenvector of `values[i]`.
    package let vectors: [[Double]]

    /// Decomposes the `n`×`n` symmetric matrix stored row-major in `matrix`.
    ///
    /// Only the upper triangle is read (the matrix is assumed symmetric). Sweeps until the off-diagonal mass is
    /// negligible against the diagonal, at most 100 sweeps.
    package init(matrix: [Double], dimension n: Int) {
        precondition(n >= 0 && matrix.count == n * n, "matrix must have n × n values")
        var a = matrix
        for i in 0..<n {
            for j in (i + 1)..<max(n, i + 1) { a[j * n + i] = a[i * n + j] }
        }
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }

        for _ in 0..<100 {
            var off = 0.0, diagonal = 0.0
            for i in 0..<n {
                diagonal += a[i * n + i] * a[i * n + i]
                for j in (i + 1)..<max(n, i + 1) { off += a[i * n + j] * a[i * n + j] }
            }
            if off <= 1e-30 * max(diagonal, 1e-300) || off == 0 { break }
            for p in 0..<n {
                for q in (p + 1)..<max(n, p + 1) where a[p * n + q] != 0 {
                    // Rotation that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.1).
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] }
        values = order.map { a[$0 * n + $0] }
        vectors = order.map { column in
            var vector = (0..<n).map { v[$0 * n + column] }
            // A fixed sign (largest component positive) so results do not flip between runs or platforms.
            if let largest = vector.indices.max(by: { abs(vector[$0]) < abs(vector[$1]) }), vector[largest] < 0 {
                vector = vector.map { -$0 }
            }
            return vector
        }
    }
}
