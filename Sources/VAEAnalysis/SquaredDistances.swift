import VAENumerics

/// Squared Euclidean distances from query points to reference points, a block of query rows at a time: estimated by
/// GEMM in Float (‖q‖² + ‖r‖² − 2 q·r), and computed exactly in Double (Σ (q_j − r_j)²) wherever the estimate's
/// error could change an order.
///
/// Why both: neighbour ranks need the order of thousands of distances per point, and a 5,000 × 5,000 × 784 product is
/// work for GEMM; but Float's rounding can swap two nearly equal distances, which changes a rank and so a
/// trustworthiness. Each estimate therefore carries a bound on its error, `slack`, and only distances whose bounds
/// overlap the one they are compared with are computed again, exactly. The bound: a Float dot product of d terms is
/// off by at most γ_d Σ|q_j r_j| ≤ γ_d (‖q‖² + ‖r‖²)/2, γ_d ≈ d·2⁻²⁴, whatever order GEMM sums in; the points are
/// first centred on the references' mean (distances do not change) so that the norms, and the bound, are small.
/// `slack` is twice that, plus the rounding of the centring.
struct SquaredDistances {
    let queryCount: Int
    let referenceCount: Int
    let dimension: Int
    /// The points as given, for the exact distances.
    private let queries: [Float]
    private let references: [Float]
    /// The points centred on the references' mean, for GEMM, and their squared norms in Double.
    private let centredQueries: [Float]
    private let centredReferences: [Float]
    private let queryNorms: [Double]
    private let referenceNorms: [Double]
    /// Bound on |estimate − exact| per unit of ‖q‖² + ‖r‖² (centred).
    private let slackFactor: Double
    /// q·r for the loaded block of query rows, `rows.count × referenceCount`.
    private var products: [Float]
    private(set) var rows: Range<Int> = 0..<0

    /// The query rows GEMM handles at once: bounded so that a block of products stays near 40 MB.
    static func blockRows(referenceCount: Int) -> Int { max(1, min(1024, 10_000_000 / max(referenceCount, 1))) }

    init(queries: [Float], references: [Float], dimension: Int) {
        precondition(dimension >= 1 && queries.count % dimension == 0 && references.count % dimension == 0,
                     "points must be rows of `dimension` values")
        queryCount = queries.count / dimension
        referenceCount = references.count / dimension
        self.dimension = dimension
        self.queries = queries
        self.references = references
        var mean = [Double](repeating: 0, count: dimension)
        for r in 0..<referenceCount {
            for j in 0..<dimension { mean[j] += Double(references[r * dimension + j]) }
        }
        let scale = 1 / Double(max(references.count / dimension, 1))
        mean = mean.map { $0 * scale }
        (centredQueries, queryNorms) = Self.centred(queries, on: mean)
        (centredReferences, referenceNorms) = Self.centred(references, on: mean)
        slackFactor = (Double(dimension) + 8) * Double(Float.ulpOfOne)
        products = []
    }

    /// `points` minus `mean`, in Float, and the squared norms of the results in Double.
    private static func centred(_ points: [Float], on mean: [Double]) -> (values: [Float], norms: [Double]) {
        let dimension = mean.count, count = points.count / dimension
        var values = [Float](repeating: 0, count: points.count)
        var norms = [Double](repeating: 0, count: count)
        for i in 0..<count {
            var norm = 0.0
            for j in 0..<dimension {
                let value = Float(Double(points[i * dimension + j]) - mean[j])
                values[i * dimension + j] = value
                norm += Double(value) * Double(value)
            }
            norms[i] = norm
        }
        return (values, norms)
    }

    /// Computes the products of query rows `rows` with every reference, by GEMM.
    mutating func load(rows: Range<Int>) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= queryCount, "query rows out of range")
        self.rows = rows
        let needed = rows.count * referenceCount
        if products.count < needed { products = [Float](repeating: 0, count: needed) }
        let (m, n, k) = (rows.count, referenceCount, dimension)
        guard m > 0 && n > 0 else { return }
        centredQueries.withUnsafeBufferPointer { q in
            centredReferences.withUnsafeBufferPointer { r in
                products.withUnsafeMutableBufferPointer { c in
                    GEMM.multiply(transposeB: true, m: m, n: n, k: k, a: q.baseAddress! + rows.lowerBound * k, lda: k,
                                  b: r.baseAddress!, ldb: k, c: c.baseAddress!, ldc: n)
                }
            }
        }
    }

    /// The exact squared distance from query `query` to reference `reference`.
    func exact(_ query: Int, _ reference: Int) -> Double {
        queries.withUnsafeBufferPointer { q in
            references.withUnsafeBufferPointer { r in
                let a = q.baseAddress! + query * dimension, b = r.baseAddress! + reference * dimension
                var sum = 0.0
                for j in 0..<dimension {
                    let d = Double(a[j]) - Double(b[j])
                    sum += d * d
                }
                return sum
            }
        }
    }

    /// The `k` references nearest query `query` (of the loaded rows), nearest first, equal distances in index
    /// order; `excluding` (the query itself, when queries and references are one set) is never among them.
    func nearest(_ query: Int, k: Int, excluding: Int? = nil) -> [(index: Int, distance: Double)] {
        precondition(rows.contains(query), "query row \(query) is not loaded")
        let available = referenceCount - (excluding.map { (0..<referenceCount).contains($0) ? 1 : 0 } ?? 0)
        let k = min(k, available)
        guard k > 0 else { return [] }
        let qn = queryNorms[query], slack = slackFactor
        var candidates: [(index: Int, distance: Double)] = []
        products.withUnsafeBufferPointer { products in
            referenceNorms.withUnsafeBufferPointer { norms in
                let dots = products.baseAddress! + (query - rows.lowerBound) * referenceCount
                // The k smallest upper bounds: every one of the k nearest lies within the largest of them.
                var uppers: [Double] = []
                uppers.reserveCapacity(k + 1)
                for r in 0..<referenceCount where r != excluding {
                    let sum = qn + norms[r], upper = sum - 2 * Double(dots[r]) + slack * sum
                    if uppers.count == k {
                        if upper >= uppers[k - 1] { continue }
                        uppers.removeLast()
                    }
                    var at = uppers.count
                    while at > 0 && uppers[at - 1] > upper { at -= 1 }
                    uppers.insert(upper, at: at)
                }
                let limit = uppers[k - 1]
                for r in 0..<referenceCount where r != excluding {
                    let sum = qn + norms[r]
                    if sum - 2 * Double(dots[r]) - slack * sum <= limit { candidates.append((r, 0)) }
                }
            }
        }
        for c in candidates.indices { candidates[c].distance = exact(query, candidates[c].index) }
        candidates.sort { ($0.distance, $0.index) < ($1.distance, $1.index) }
        return Array(candidates.prefix(k))
    }

    /// The rank of each target among the references by distance from query `query` (of the loaded rows): 1 for the
    /// nearest, equal distances in index order, `excluding` left out (as if infinitely far).
    ///
    /// - Parameter targets: reference indices with their exact distances from the query.
    func ranks(_ query: Int, of targets: [(index: Int, distance: Double)], excluding: Int? = nil) -> [Int] {
        precondition(rows.contains(query), "query row \(query) is not loaded")
        guard let farthest = targets.map(\.distance).max() else { return [] }
        var counts = [Int](repeating: 1, count: targets.count)
        let qn = queryNorms[query], slack = slackFactor
        products.withUnsafeBufferPointer { products in
            referenceNorms.withUnsafeBufferPointer { norms in
                let dots = products.baseAddress! + (query - rows.lowerBound) * referenceCount
                for r in 0..<referenceCount where r != excluding {
                    let sum = qn + norms[r], estimate = sum - 2 * Double(dots[r]), bound = slack * sum
                    if estimate - bound > farthest { continue }
                    var exactDistance: Double?
                    for (t, target) in targets.enumerated() where r != target.index {
                        if estimate + bound < target.distance {
                            counts[t] += 1
                        } else if estimate - bound <= target.distance {
                            let d = exactDistance ?? exact(query, r)
                            exactDistance = d
                            if d < target.distance || (d == target.distance && r < target.index) { counts[t] += 1 }
                        }
                    }
                }
            }
        }
        return counts
    }
}
