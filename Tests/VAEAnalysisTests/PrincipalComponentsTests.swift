import Foundation
import Testing
import VAEAnalysis
import VAECore

@Suite("PCA and the symmetric eigen-solver")
struct PrincipalComponentsTests {
    @Test func eigenOfAKnownMatrix() {
        let eigen = SymmetricEigen(matrix: [2, 1, 1, 2], dimension: 2)
        #expect(abs(eigen.values[0] - 3) < 1e-12 && abs(eigen.values[1] - 1) < 1e-12)
        let s = 1 / 2.0.squareRoot()
        #expect(abs(eigen.vectors[0][0] - s) < 1e-12 && abs(eigen.vectors[0][1] - s) < 1e-12)
        #expect(abs(abs(eigen.vectors[1][0]) - s) < 1e-12 && abs(eigen.vectors[1][0] + eigen.vectors[1][1]) < 1e-12)
    }

    @Test func eigenRebuildsARandomSymmetricMatrix() {
        let n = 12
        var random = RandomSource(seed: 3)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                let v = Double(random.nextUnitFloat()) * 2 - 1
                a[i * n + j] = v
                a[j * n + i] = v
            }
        }
        let eigen = SymmetricEigen(matrix: a, dimension: n)
        #expect(zip(eigen.values, eigen.values.dropFirst()).allSatisfy { $0 >= $1 }, "largest first")
        for i in 0..<n {
            for j in 0..<n {
                let rebuilt = (0..<n).reduce(0.0) { $0 + eigen.values[$1] * eigen.vectors[$1][i] * eigen.vectors[$1][j] }
                #expect(abs(rebuilt - a[i * n + j]) < 1e-10, "V Λ Vᵀ = A at \(i),\(j)")
                let dot = (0..<n).reduce(0.0) { $0 + eigen.vectors[i][$1] * eigen.vectors[j][$1] }
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-10, "orthonormal eigenvectors")
            }
        }
    }

    /// Points drawn along three known orthogonal axes with standard deviations 5, 2 and 0.5, shifted by a mean.
    @Test func pcaOfAKnownPointCloudReturnsItsAxes() {
        let c = cos(0.6), s = sin(0.6)
        // Rotation about z by 0.6 rad, then about x by 0.6 rad: three orthonormal axes.
        let axes: [[Double]] = [[c, s * c, s * s], [-s, c * c, c * s], [0, -s, c]]
        let deviations = [5.0, 2.0, 0.5], mean = [10.0, -3.0, 1.0]
        var random = RandomSource(seed: 11)
        let count = 20_000
        var points: [Float] = []
        for _ in 0..<count {
            let (a, b) = random.nextNormalPair()
            let (d, _) = random.nextNormalPair()
            let coefficients = [Double(a), Double(b), Double(d)]
            for j in 0..<3 {
                points.append(Float(mean[j] + (0..<3).reduce(0.0) { $0 + coefficients[$1] * deviations[$1] * axes[$1][j] }))
            }
        }
        let pca = PrincipalComponents(points: points, count: count, dimension: 3)
        for j in 0..<3 { #expect(abs(pca.mean[j] - mean[j]) < 0.1) }
        for k in 0..<3 {
            let alignment = abs((0..<3).reduce(0.0) { $0 + pca.axes[k][$1] * axes[k][$1] })
            #expect(alignment > 0.999, "axis \(k) found (|cos| = \(alignment))")
            let expected = deviations[k] * deviations[k]
            #expect(abs(pca.variances[k] - expected) / expected < 0.05, "variance \(pca.variances[k]) vs \(expected)")
        }
        #expect(abs(pca.explainedVarianceRatio.reduce(0, +) - 1) < 1e-12)
        let projected = pca.project(points[0..<3], components: 2)
        #expect(projected.count == 2)
    }
}
