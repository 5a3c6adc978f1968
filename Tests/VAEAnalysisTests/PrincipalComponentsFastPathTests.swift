import Foundation
import Testing
import VAEAnalysis
import VAECore

@Suite("PCA by GEMM and the Householder-QL eigen-solver, against the Jacobi path")
struct PrincipalComponentsFastPathTests {
    /// A random symmetric matrix with entries in [−1, 1).
    func randomSymmetric(_ n: Int, seed: UInt64) -> [Double] {
        var random = RandomSource(seed: seed)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                let v = Double(random.nextUnitFloat()) * 2 - 1
                a[i * n + j] = v
                a[j * n + i] = v
            }
        }
        return a
    }

    @Test(arguments: [1, 2, 3, 12, 40])
    func householderQLAgreesWithJacobi(n: Int) {
        let a = randomSymmetric(n, seed: UInt64(n))
        let jacobi = SymmetricEigen(matrix: a, dimension: n)
        let ql = SymmetricEigen(householderQL: a, dimension: n)
        #expect(ql.values.count == n && ql.vectors.count == n)
        for i in 0..<n {
            #expect(abs(ql.values[i] - jacobi.values[i]) < 1e-10, "eigenvalue \(i): \(ql.values[i]) vs \(jacobi.values[i])")
            // Distinct random eigenvalues: the same vectors, and the same sign convention.
            for j in 0..<n { #expect(abs(ql.vectors[i][j] - jacobi.vectors[i][j]) < 1e-8, "vector \(i)[\(j)]") }
        }
    }

    @Test func householderQLRebuildsAMatrixWithRepeatedEigenvalues() {
        // diag(3, 3, 1, 1, 1) turned by a rotation: eigenvectors are not unique, V Λ Vᵀ still must be the matrix.
        let n = 5
        let rotation = SymmetricEigen(matrix: randomSymmetric(n, seed: 21), dimension: n).vectors
        let diagonal = [3.0, 3, 1, 1, 1]
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n { a[i * n + j] = (0..<n).reduce(0.0) { $0 + rotation[$1][i] * diagonal[$1] * rotation[$1][j] } }
        }
        let ql = SymmetricEigen(householderQL: a, dimension: n)
        for (value, expected) in zip(ql.values, diagonal) { #expect(abs(value - expected) < 1e-12) }
        for i in 0..<n {
            for j in 0..<n {
                let rebuilt = (0..<n).reduce(0.0) { $0 + ql.values[$1] * ql.vectors[$1][i] * ql.vectors[$1][j] }
                #expect(abs(rebuilt - a[i * n + j]) < 1e-12, "V Λ Vᵀ = A at \(i),\(j)")
                let dot = (0..<n).reduce(0.0) { $0 + ql.vectors[i][$1] * ql.vectors[j][$1] }
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-12, "orthonormal eigenvectors")
            }
        }
    }

    /// 600 points in 12-D with standard deviations 12, 11, ..., 1 along random orthogonal axes, around a mean.
    func cloud() -> (points: [Float], count: Int, dimension: Int) {
        let count = 600, dimension = 12
        let axes = SymmetricEigen(matrix: randomSymmetric(dimension, seed: 30), dimension: dimension).vectors
        var random = RandomSource(seed: 31)
        var points: [Float] = []
        for _ in 0..<count {
            var point = (0..<dimension).map { 0.5 + Double($0) }
            for (k, axis) in axes.enumerated() {
                let (g, _) = random.nextNormalPair()
                for j in 0..<dimension { point[j] += Double(g) * Double(dimension - k) * axis[j] }
            }
            points += point.map(Float.init)
        }
        return (points, count, dimension)
    }

    @Test func theGEMMPathAgreesWithTheDoublePath() {
        let (points, count, dimension) = cloud()
        let reference = PrincipalComponents(points: points, count: count, dimension: dimension)
        let fast = PrincipalComponents(manyPoints: points, count: count, dimension: dimension)
        for j in 0..<dimension { #expect(abs(fast.mean[j] - reference.mean[j]) < 1e-12) }
        for k in 0..<dimension {
            #expect(abs(fast.variances[k] - reference.variances[k]) / reference.variances[k] < 1e-5,
                    "variance \(k): \(fast.variances[k]) vs \(reference.variances[k])")
            let alignment = abs((0..<dimension).reduce(0.0) { $0 + fast.axes[k][$1] * reference.axes[k][$1] })
            #expect(alignment > 1 - 1e-8, "axis \(k): |cos| = \(alignment)")
        }
    }

    @Test func projectionsAndReconstructionsByGEMM() {
        let (points, count, dimension) = cloud()
        let pca = PrincipalComponents(manyPoints: points, count: count, dimension: dimension)
        let coordinates = pca.projections(of: points, count: count, components: 3)
        #expect(coordinates.count == count * 3)
        for i in [0, 17, count - 1] {
            let expected = pca.project(points[(i * dimension)..<((i + 1) * dimension)], components: 3)
            for c in 0..<3 {
                #expect(abs(Double(coordinates[i * 3 + c]) - expected[c]) < 1e-4, "point \(i), component \(c)")
            }
        }
        // Every component: the points themselves; fewer: the projection onto their span, which is closer to the
        // mean than the point.
        let all = pca.reconstructions(
            from: pca.projections(of: points, count: count, components: dimension), components: dimension)
        let largest = zip(all, points).map { abs($0 - $1) }.max()!
        #expect(largest < 1e-3, "largest error \(largest)")
        let three = pca.reconstructions(from: coordinates, components: 3)
        let mse = zip(three, points).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) } / Double(points.count)
        // The mean squared residual per value is the variance left out, over the dimension.
        let leftOut = pca.variances[3...].reduce(0, +) / Double(dimension)
        #expect(abs(mse - leftOut) / leftOut < 1e-4, "MSE \(mse) vs variance left out \(leftOut)")
    }
}
