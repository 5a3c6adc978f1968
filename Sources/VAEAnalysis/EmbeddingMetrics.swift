import VAENumerics

/// How the dimension-reduction literature judges an embedding (e.g. Sainburg, McInnes & Gentner 2021, Parametric
/// UMAP), each with scikit-learn's definition, over plain points: `count` rows of `dimension` Floats, row-major, with
/// integer labels. Distances are Euclidean.
///
/// Orders of distances are exact: GEMM estimates them in Float and Double settles every comparison the estimate
/// cannot (`SquaredDistances`). Equal distances are ordered by index (scikit-learn's order for them is whatever its
/// sort or tree gives; with real-valued data they hardly occur).
package enum EmbeddingMetrics {
    /// Trustworthiness and continuity of `embedding` as a map of `input`, at each k of `neighbours`.
    ///
    /// Trustworthiness is `sklearn.manifold.trustworthiness(input, embedding, n_neighbors: k)` (Venna & Kaski
    /// 2001): 1 − 2/(n k (2n − 3k − 1)) Σ_i Σ_{j ∈ N_k^embedding(i)} max(0, r(i, j) − k), where r(i, j) is the rank
    /// of j among the points by distance from i in the input space (1 for the nearest; i itself excluded). It is 1
    /// when every point's k nearest neighbours in the embedding are also among its k nearest in the input, and
    /// falls as the embedding brings in points from afar. Continuity is the same with the two spaces swapped
    /// (trustworthiness(embedding, input)): it falls as true neighbours are torn apart.
    ///
    /// Both come from one pass over blocks of rows, so the input's distances are computed once.
    ///
    /// - Parameters:
    ///   - neighbours: the values of k, each from 1 to less than half the points (scikit-learn's condition).
    ///   - threads: threads for the per-point work (GEMM uses its own setting).
    /// - Returns: one value per k, in the order of `neighbours`.
    package static func trustworthinessAndContinuity(
        input: [Float], inputDimension: Int, embedding: [Float], embeddingDimension: Int, neighbours: [Int],
        threads: Int = 1
    ) -> (trustworthiness: [Double], continuity: [Double]) {
        precondition(inputDimension >= 1 && embeddingDimension >= 1, "dimensions must be at least 1")
        let n = input.count / inputDimension
        precondition(input.count == n * inputDimension && embedding.count == n * embeddingDimension,
                     "input and embedding must hold the same number of points")
        precondition(neighbours.allSatisfy { $0 >= 1 && 2 * $0 < n }, "each k must be at least 1 and below n / 2")
        guard let kMax = neighbours.max() else { return ([], []) }
        var x = SquaredDistances(queries: input, references: input, dimension: inputDimension)
        var y = SquaredDistances(queries: embedding, references: embedding, dimension: embeddingDimension)
        let kinds = neighbours.count
        // Σ max(0, rank − k) per k, for trustworthiness then continuity; at most n·k·n, far within Int.
        var sums = [Int](repeating: 0, count: 2 * kinds)
        let loop = ParallelLoop(threadCount: max(threads, 1))
        let block = SquaredDistances.blockRows(referenceCount: n)
        for first in stride(from: 0, to: n, by: block) {
            let rows = first..<min(first + block, n)
            x.load(rows: rows)
            y.load(rows: rows)
            let (inputRows, embeddingRows) = (x, y)
            var perRow = [Int](repeating: 0, count: rows.count * 2 * kinds)
            perRow.withUnsafeMutableBufferPointer { perRow in
                let out = perRow.baseAddress!
                loop.forEachChunk(count: rows.count, minimumChunk: 16) { chunk in
                    for offset in chunk {
                        let i = first + offset
                        let trust = excess(
                            query: i, near: embeddingRows, rankedBy: inputRows, neighbours: neighbours, kMax: kMax)
                        let continuity = excess(
                            query: i, near: inputRows, rankedBy: embeddingRows, neighbours: neighbours, kMax: kMax)
                        for c in 0..<kinds {
                            out[offset * 2 * kinds + c] = trust[c]
                            out[offset * 2 * kinds + kinds + c] = continuity[c]
                        }
                    }
                }
            }
            for offset in 0..<rows.count {
                for c in 0..<(2 * kinds) { sums[c] += perRow[offset * 2 * kinds + c] }
            }
        }
        func score(_ sum: Int, _ k: Int) -> Double {
            let (n, k) = (Double(n), Double(k))
            return 1 - Double(sum) * (2 / (n * k * (2 * n - 3 * k - 1)))
        }
        return (
            neighbours.enumerated().map { score(sums[$0.offset], $0.element) },
            neighbours.enumerated().map { score(sums[kinds + $0.offset], $0.element) }
        )
    }

    /// For one point: Σ max(0, rank − k) over its k nearest in `near`, ranked by distance in `rankedBy`, per k.
    private static func excess(
        query i: Int, near: SquaredDistances, rankedBy: SquaredDistances, neighbours: [Int], kMax: Int
    ) -> [Int] {
        let nearest = near.nearest(i, k: kMax, excluding: i)
        let targets = nearest.map { (index: $0.index, distance: rankedBy.exact(i, $0.index)) }
        let ranks = rankedBy.ranks(i, of: targets, excluding: i)
        return neighbours.map { k in ranks.prefix(k).reduce(0) { $0 + max(0, $1 - k) } }
    }

    /// `sklearn.manifold.trustworthiness(input, embedding, n_neighbors: k)` at each k of `neighbours`.
    package static func trustworthiness(
        input: [Float], inputDimension: Int, embedding: [Float], embeddingDimension: Int, neighbours: [Int],
        threads: Int = 1
    ) -> [Double] {
        trustworthinessAndContinuity(
            input: input, inputDimension: inputDimension, embedding: embedding,
            embeddingDimension: embeddingDimension, neighbours: neighbours, threads: threads
        ).trustworthiness
    }

    /// Continuity: trustworthiness with the spaces swapped, `sklearn.manifold.trustworthiness(embedding, input)`.
    package static func continuity(
        input: [Float], inputDimension: Int, embedding: [Float], embeddingDimension: Int, neighbours: [Int],
        threads: Int = 1
    ) -> [Double] {
        trustworthinessAndContinuity(
            input: input, inputDimension: inputDimension, embedding: embedding,
            embeddingDimension: embeddingDimension, neighbours: neighbours, threads: threads
        ).continuity
    }

    /// The labels a k-nearest-neighbour classifier fitted on (`train`, `trainLabels`) gives each point of `test`,
    /// for each k of `neighbours`: scikit-learn's `KNeighborsClassifier(n_neighbors: k)` (uniform weights, Euclidean).
    ///
    /// The majority label of the k nearest training points wins; between labels with equally many votes, the
    /// smallest wins, as in scikit-learn, whose vote (`scipy.stats.mode`, or the argmax over its sorted `classes_`
    /// on the brute-force path) returns the smallest of tied labels whatever their distances. Among training points
    /// at the same distance as the k-th, the lower indices are taken.
    ///
    /// - Returns: `predictions[c][i]`, the label for test point i with k = `neighbours[c]`.
    package static func nearestNeighbourPredictions(
        train: [Float], trainLabels: [Int], test: [Float], dimension: Int, neighbours: [Int], threads: Int = 1
    ) -> [[Int]] {
        precondition(dimension >= 1 && train.count == trainLabels.count * dimension && test.count % dimension == 0,
                     "points must be rows of `dimension` values, one label per training point")
        precondition(!trainLabels.isEmpty && neighbours.allSatisfy { $0 >= 1 && $0 <= trainLabels.count },
                     "each k must be from 1 to the training points")
        let classes = Array(Set(trainLabels)).sorted()
        let classOf = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($0.element, $0.offset) })
        let trainClasses = trainLabels.map { classOf[$0]! }
        let kMax = neighbours.max() ?? 0, testCount = test.count / dimension
        var distances = SquaredDistances(queries: test, references: train, dimension: dimension)
        var predicted = [Int](repeating: 0, count: neighbours.count * testCount)
        let loop = ParallelLoop(threadCount: max(threads, 1))
        let block = SquaredDistances.blockRows(referenceCount: trainLabels.count)
        for first in stride(from: 0, to: testCount, by: block) {
            let rows = first..<min(first + block, testCount)
            distances.load(rows: rows)
            let loaded = distances
            predicted.withUnsafeMutableBufferPointer { predicted in
                let out = predicted.baseAddress!
                loop.forEachChunk(count: rows.count, minimumChunk: 16) { chunk in
                    var votes = [Int](repeating: 0, count: classes.count)
                    for offset in chunk {
                        let i = first + offset
                        let nearest = loaded.nearest(i, k: kMax)
                        for (c, k) in neighbours.enumerated() {
                            for v in votes.indices { votes[v] = 0 }
                            for neighbour in nearest.prefix(k) { votes[trainClasses[neighbour.index]] += 1 }
                            // The first of the most voted: the smallest label among tied ones.
                            var best = 0
                            for v in votes.indices where votes[v] > votes[best] { best = v }
                            out[c * testCount + i] = classes[best]
                        }
                    }
                }
            }
        }
        return (0..<neighbours.count).map { Array(predicted[($0 * testCount)..<(($0 + 1) * testCount)]) }
    }

    /// The accuracy on (`test`, `testLabels`) of the k-nearest-neighbour classifier fitted on (`train`,
    /// `trainLabels`), for each k of `neighbours`: `KNeighborsClassifier(n_neighbors: k).fit(train, trainLabels)
    /// .score(test, testLabels)` (see `nearestNeighbourPredictions`).
    package static func nearestNeighbourAccuracy(
        train: [Float], trainLabels: [Int], test: [Float], testLabels: [Int], dimension: Int, neighbours: [Int],
        threads: Int = 1
    ) -> [Double] {
        precondition(test.count == testLabels.count * dimension, "one label per test point")
        guard !testLabels.isEmpty else { return neighbours.map { _ in .nan } }
        let predictions = nearestNeighbourPredictions(
            train: train, trainLabels: trainLabels, test: test, dimension: dimension, neighbours: neighbours,
            threads: threads)
        return predictions.map { predicted in
            Double(zip(predicted, testLabels).filter { $0 == $1 }.count) / Double(testLabels.count)
        }
    }

    /// `sklearn.metrics.silhouette_score(points, labels)` (Rousseeuw 1987): the mean over the points of
    /// (b − a) / max(a, b), where a is the mean distance to the other points of the same label and b the smallest mean
    /// distance to the points of another label; 0 for a point alone in its label (and where a = b = 0). Near 1 for
    /// tight, well separated classes, near 0 for overlapping ones, negative when points sit closer to another class.
    ///
    /// Distances are computed directly in Double, all n² of them: O(n² · dimension), meant for embeddings of a few
    /// dimensions.
    ///
    /// - Returns: nil unless there are from 2 to n − 1 distinct labels (scikit-learn raises an error then).
    package static func silhouette(points: [Float], dimension: Int, labels: [Int], threads: Int = 1) -> Double? {
        let n = labels.count
        precondition(dimension >= 1 && points.count == n * dimension, "one label per point")
        let classes = Array(Set(labels)).sorted()
        guard classes.count >= 2 && classes.count <= n - 1 else { return nil }
        let classOf = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($0.element, $0.offset) })
        let pointClasses = labels.map { classOf[$0]! }
        var sizes = [Int](repeating: 0, count: classes.count)
        for c in pointClasses { sizes[c] += 1 }
        var scores = [Double](repeating: 0, count: n)
        let loop = ParallelLoop(threadCount: max(threads, 1))
        points.withUnsafeBufferPointer { points in
            scores.withUnsafeMutableBufferPointer { scores in
                let p = points.baseAddress!, out = scores.baseAddress!
                loop.forEachChunk(count: n, minimumChunk: 64) { chunk in
                    var sums = [Double](repeating: 0, count: classes.count)
                    for i in chunk {
                        for c in sums.indices { sums[c] = 0 }
                        let a = p + i * dimension
                        for j in 0..<n where j != i {
                            let b = p + j * dimension
                            var squared = 0.0
                            for t in 0..<dimension {
                                let d = Double(a[t]) - Double(b[t])
                                squared += d * d
                            }
                            sums[pointClasses[j]] += squared.squareRoot()
                        }
                        let own = pointClasses[i]
                        guard sizes[own] > 1 else { continue }
                        let intra = sums[own] / Double(sizes[own] - 1)
                        var inter = Double.infinity
                        for c in sums.indices where c != own { inter = min(inter, sums[c] / Double(sizes[c])) }
                        let scale = max(intra, inter)
                        out[i] = scale > 0 ? (inter - intra) / scale : 0
                    }
                }
            }
        }
        return scores.reduce(0, +) / Double(n)
    }

    /// The mean over all values of (a − b)², summed in Double.
    package static func meanSquaredError(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "the two arrays must be of one size")
        guard !a.isEmpty else { return .nan }
        var sum = 0.0
        for i in a.indices {
            let d = Double(a[i]) - Double(b[i])
            sum += d * d
        }
        return sum / Double(a.count)
    }
}
