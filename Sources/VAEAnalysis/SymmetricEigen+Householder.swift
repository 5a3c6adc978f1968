import Foundation

extension SymmetricEigen {
    /// Decomposes the `n`×`n` symmetric matrix stored row-major in `matrix` by Householder reduction to tridiagonal
    /// form and the implicit QL algorithm: O(n³), for matrices too large for Jacobi sweeps.
    ///
    /// Why a second solver: a pixel covariance (784×784 for 28×28 images) takes the Jacobi solver many seconds, as
    /// each of its ~n²/2 rotations per sweep walks two columns; this one takes about 10n³ flops in all, on contiguous
    /// rows. It is the EISPACK `tred2`/`tql2` pair as JAMA's `EigenvalueDecomposition` writes it (Bowdler, Martin,
    /// Reinsch and Wilkinson, Handbook for Automatic Computation II), storing the transformation transposed so every
    /// inner loop runs along a row. Only the upper triangle is read; the results follow the Jacobi initialiser's
    /// conventions (largest first, sign fixed by the largest component).
    package init(householderQL matrix: [Double], dimension n: Int) {
        precondition(n >= 0 && matrix.count == n * n, "matrix must have n × n values")
        guard n > 0 else {
            values = []
            vectors = []
            return
        }
        // w[b * n + a] is JAMA's V[a][b]: V starts as the (symmetric) matrix and ends as the eigenvectors in columns,
        // so each eigenvector ends as a row of w.
        var w = matrix
        for i in 0..<n {
            for j in (i + 1)..<n { w[j * n + i] = w[i * n + j] }
        }
        var d = [Double](repeating: 0, count: n), e = d
        w.withUnsafeMutableBufferPointer { w in
            d.withUnsafeMutableBufferPointer { d in
                e.withUnsafeMutableBufferPointer { e in
                    Self.tridiagonalise(w.baseAddress!, d.baseAddress!, e.baseAddress!, n)
                    Self.diagonalise(w.baseAddress!, d.baseAddress!, e.baseAddress!, n)
                }
            }
        }
        let order = (0..<n).sorted { d[$0] > d[$1] || (d[$0] == d[$1] && $0 < $1) }
        values = order.map { d[$0] }
        vectors = order.map { row in
            var vector = Array(w[(row * n)..<((row + 1) * n)])
            if let largest = vector.indices.max(by: { abs(vector[$0]) < abs(vector[$1]) }), vector[largest] < 0 {
                vector = vector.map { -$0 }
            }
            return vector
        }
    }

    /// `tred2`: reduces V (held transposed in `w`) to tridiagonal form, diagonal in `d`, subdiagonal in `e[1...]`,
    /// and accumulates the orthogonal transformation in V.
    private static func tridiagonalise(
        _ w: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>, _ e: UnsafeMutablePointer<Double>, _ n: Int
    ) {
        // V[a][b] is w[b * n + a]: the loops over k below walk V's columns, which are w's rows.
        for j in 0..<n { d[j] = w[j * n + n - 1] }
        for i in stride(from: n - 1, to: 0, by: -1) {
            var scale = 0.0, h = 0.0
            for k in 0..<i { scale += abs(d[k]) }
            if scale == 0 {
                e[i] = d[i - 1]
                for j in 0..<i {
                    d[j] = w[j * n + i - 1]
                    w[j * n + i] = 0
                    w[i * n + j] = 0
                }
            } else {
                // The Householder vector, scaled against under- and overflow.
                for k in 0..<i {
                    d[k] /= scale
                    h += d[k] * d[k]
                }
                var f = d[i - 1]
                var g = f > 0 ? -h.squareRoot() : h.squareRoot()
                e[i] = scale * g
                h -= f * g
                d[i - 1] = f - g
                for j in 0..<i { e[j] = 0 }
                // The similarity transformation of the remaining columns.
                for j in 0..<i {
                    f = d[j]
                    w[i * n + j] = f
                    let column = w + j * n
                    g = e[j] + column[j] * f
                    for k in (j + 1)..<i {
                        g += column[k] * d[k]
                        e[k] += column[k] * f
                    }
                    e[j] = g
                }
                f = 0
                for j in 0..<i {
                    e[j] /= h
                    f += e[j] * d[j]
                }
                let hh = f / (h + h)
                for j in 0..<i { e[j] -= hh * d[j] }
                for j in 0..<i {
                    f = d[j]
                    g = e[j]
                    let column = w + j * n
                    for k in j..<i { column[k] -= f * e[k] + g * d[k] }
                    d[j] = column[i - 1]
                    column[i] = 0
                }
            }
            d[i] = h
        }
        // Accumulate the transformations.
        for i in 0..<(n - 1) {
            w[i * n + n - 1] = w[i * n + i]
            w[i * n + i] = 1
            let h = d[i + 1]
            let next = w + (i + 1) * n
            if h != 0 {
                for k in 0...i { d[k] = next[k] / h }
                for j in 0...i {
                    let column = w + j * n
                    var g = 0.0
                    for k in 0...i { g += next[k] * column[k] }
                    for k in 0...i { column[k] -= g * d[k] }
                }
            }
            for k in 0...i { next[k] = 0 }
        }
        for j in 0..<n {
            d[j] = w[j * n + n - 1]
            w[j * n + n - 1] = 0
        }
        w[(n - 1) * n + n - 1] = 1
        e[0] = 0
    }

    /// `tql2`: the eigenvalues of the tridiagonal matrix (`d`, `e`) by implicit QL with Wilkinson shifts, into `d`;
    /// the rotations are applied to V, whose columns become the eigenvectors.
    private static func diagonalise(
        _ w: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>, _ e: UnsafeMutablePointer<Double>, _ n: Int
    ) {
        for i in 1..<max(n, 1) { e[i - 1] = e[i] }
        e[n - 1] = 0
        var f = 0.0, largest = 0.0
        let eps = Double.ulpOfOne
        for l in 0..<n {
            largest = max(largest, abs(d[l]) + abs(e[l]))
            // A negligible subdiagonal element splits the matrix; e[n - 1] = 0 ends the search at the latest.
            var m = l
            while m < n - 1 && abs(e[m]) > eps * largest { m += 1 }
            // Convergence is cubic and typically takes one or two iterations; the bound only rules out a hang.
            var iterations = 0
            while m > l && abs(e[l]) > eps * largest && iterations < 100 {
                iterations += 1
                var g = d[l]
                var p = (d[l + 1] - g) / (2 * e[l])
                var r = hypot(p, 1)
                if p < 0 { r = -r }
                d[l] = e[l] / (p + r)
                d[l + 1] = e[l] * (p + r)
                let dl1 = d[l + 1]
                var h = g - d[l]
                for i in (l + 2)..<max(n, l + 2) { d[i] -= h }
                f += h
                p = d[m]
                var c = 1.0, c2 = 1.0, c3 = 1.0, s = 0.0, s2 = 0.0
                let el1 = e[l + 1]
                for i in stride(from: m - 1, through: l, by: -1) {
                    c3 = c2
                    c2 = c
                    s2 = s
                    g = c * e[i]
                    h = c * p
                    r = hypot(p, e[i])
                    e[i + 1] = s * r
                    s = e[i] / r
                    c = p / r
                    p = c * d[i] - s * g
                    d[i + 1] = h + s * (c * g + s * d[i])
                    let left = w + i * n, right = w + (i + 1) * n
                    for k in 0..<n {
                        let x = right[k]
                        right[k] = s * left[k] + c * x
                        left[k] = c * left[k] - s * x
                    }
                }
                p = -s * s2 * c3 * el1 * e[l] / dl1
                e[l] = s * p
                d[l] = c * p
            }
            d[l] += f
            e[l] = 0
        }
    }
}
