import Foundation
import Testing
import VAEAnalysis
import VAECore

/// scikit-learn's figures for a small fixed data set (Tools/tests/make_embedding_fixture.py writes them).
struct EmbeddingFixture: Decodable {
    struct Ties: Decodable {
        let train: [Double]
        let train_labels: [Int]
        let test: [Double]
        let dimension: Int
        let neighbours: [Int]
        let predictions: [[Int]]
    }

    let generated_by: String
    let input_dimension: Int
    let embedding_dimension: Int
    let neighbours: [Int]
    let classifier_neighbours: [Int]
    let input: [Double]
    let embedding: [Double]
    let labels: [Int]
    let train_embedding: [Double]
    let train_labels: [Int]
    let trustworthiness: [Double]
    let continuity: [Double]
    let knn_accuracy: [Double]
    let silhouette: Double
    let silhouette_input: Double
    let knn_ties: Ties

    static func load() throws -> EmbeddingFixture {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/embedding-metrics.json")
        return try JSONDecoder().decode(EmbeddingFixture.self, from: Data(contentsOf: path))
    }
}

/// Every value is a Float written as the Double of the same value, so the conversion is exact.
private func floats(_ values: [Double]) -> [Float] { values.map(Float.init) }

/// Points drawn uniformly from [0, 1)^dimension.
private func uniformPoints(_ count: Int, _ dimension: Int, seed: UInt64) -> [Float] {
    var random = RandomSource(seed: seed)
    return (0..<(count * dimension)).map { _ in random.nextUnitFloat() }
}

/// sklearn.manifold.trustworthiness written out directly: every distance in Double, full sorts (equal distances
/// in index order).
private func referenceTrustworthiness(_ x: [Float], _ dx: Int, _ y: [Float], _ dy: Int, k: Int) -> Double {
    let n = x.count / dx
    func distance(_ p: [Float], _ d: Int, _ i: Int, _ j: Int) -> Double {
        (0..<d).reduce(0.0) { sum, t in
            let v = Double(p[i * d + t]) - Double(p[j * d + t])
            return sum + v * v
        }
    }
    var total = 0
    for i in 0..<n {
        let others = (0..<n).filter { $0 != i }
        let byX = others.sorted { (distance(x, dx, i, $0), $0) < (distance(x, dx, i, $1), $1) }
        let byY = others.sorted { (distance(y, dy, i, $0), $0) < (distance(y, dy, i, $1), $1) }
        var rank = [Int](repeating: 0, count: n)
        for (r, j) in byX.enumerated() { rank[j] = r + 1 }
        for j in byY.prefix(k) { total += max(0, rank[j] - k) }
    }
    let (nd, kd) = (Double(n), Double(k))
    return 1 - Double(total) * 2 / (nd * kd * (2 * nd - 3 * kd - 1))
}

@Suite("Embedding metrics against scikit-learn and by their properties")
struct EmbeddingMetricsTests {
    @Test func trustworthinessAndContinuityEqualScikitLearns() throws {
        let f = try EmbeddingFixture.load()
        #expect(f.generated_by.contains("make_embedding_fixture.py"))
        let measured = EmbeddingMetrics.trustworthinessAndContinuity(
            input: floats(f.input), inputDimension: f.input_dimension, embedding: floats(f.embedding),
            embeddingDimension: f.embedding_dimension, neighbours: f.neighbours)
        for c in f.neighbours.indices {
            #expect(abs(measured.trustworthiness[c] - f.trustworthiness[c]) < 1e-6,
                    "trustworthiness k = \(f.neighbours[c]): \(measured.trustworthiness[c]) vs \(f.trustworthiness[c])")
            #expect(abs(measured.continuity[c] - f.continuity[c]) < 1e-6,
                    "continuity k = \(f.neighbours[c]): \(measured.continuity[c]) vs \(f.continuity[c])")
        }
        // The single-figure forms, with several threads.
        let trust = EmbeddingMetrics.trustworthiness(
            input: floats(f.input), inputDimension: f.input_dimension, embedding: floats(f.embedding),
            embeddingDimension: f.embedding_dimension, neighbours: [10], threads: 2)
        #expect(abs(trust[0] - f.trustworthiness[1]) < 1e-6)
        let continuity = EmbeddingMetrics.continuity(
            input: floats(f.input), inputDimension: f.input_dimension, embedding: floats(f.embedding),
            embeddingDimension: f.embedding_dimension, neighbours: [5], threads: 2)
        #expect(abs(continuity[0] - f.continuity[0]) < 1e-6)
    }

    @Test func nearestNeighbourAccuracyEqualsScikitLearns() throws {
        let f = try EmbeddingFixture.load()
        let accuracy = EmbeddingMetrics.nearestNeighbourAccuracy(
            train: floats(f.train_embedding), trainLabels: f.train_labels, test: floats(f.embedding),
            testLabels: f.labels, dimension: f.embedding_dimension, neighbours: f.classifier_neighbours, threads: 2)
        for c in f.classifier_neighbours.indices {
            #expect(abs(accuracy[c] - f.knn_accuracy[c]) < 1e-6,
                    "\(f.classifier_neighbours[c])-NN: \(accuracy[c]) vs \(f.knn_accuracy[c])")
        }
    }

    @Test func nearestNeighbourTiesGoToTheSmallestLabelAsInScikitLearn() throws {
        let ties = try EmbeddingFixture.load().knn_ties
        let predictions = EmbeddingMetrics.nearestNeighbourPredictions(
            train: floats(ties.train), trainLabels: ties.train_labels, test: floats(ties.test),
            dimension: ties.dimension, neighbours: ties.neighbours)
        #expect(predictions == ties.predictions)
    }

    @Test func silhouetteEqualsScikitLearns() throws {
        let f = try EmbeddingFixture.load()
        let embedded = try #require(
            EmbeddingMetrics.silhouette(points: floats(f.embedding), dimension: f.embedding_dimension, labels: f.labels))
        #expect(abs(embedded - f.silhouette) < 1e-6, "\(embedded) vs \(f.silhouette)")
        let input = try #require(
            EmbeddingMetrics.silhouette(points: floats(f.input), dimension: f.input_dimension, labels: f.labels,
                                        threads: 2))
        #expect(abs(input - f.silhouette_input) < 1e-6, "\(input) vs \(f.silhouette_input)")
    }

    @Test func theIdentityEmbeddingIsPerfectlyTrustworthyAndContinuous() {
        let points = uniformPoints(120, 6, seed: 4)
        let measured = EmbeddingMetrics.trustworthinessAndContinuity(
            input: points, inputDimension: 6, embedding: points, embeddingDimension: 6, neighbours: [1, 5, 10])
        #expect(measured.trustworthiness == [1, 1, 1] && measured.continuity == [1, 1, 1])
    }

    @Test func aRandomEmbeddingIsFarFromTrustworthy() {
        let input = uniformPoints(200, 10, seed: 5), embedding = uniformPoints(200, 2, seed: 6)
        let measured = EmbeddingMetrics.trustworthinessAndContinuity(
            input: input, inputDimension: 10, embedding: embedding, embeddingDimension: 2, neighbours: [5, 10])
        // Random neighbours have ranks uniform over 1...n − 1, which puts the expectation near 0.5.
        for value in measured.trustworthiness + measured.continuity { #expect(value < 0.65, "\(value)") }
    }

    /// Points in two groups 2,000 apart, each spread over 0.01: Float's GEMM estimates of their distances are off by
    /// more than the distances within a group, so only the exact comparisons get the ranks right.
    @Test func ranksStayExactWhereFloatCannotTellDistancesApart() {
        var random = RandomSource(seed: 8)
        let n = 60, dx = 5, dy = 2
        var input: [Float] = [], embedding: [Float] = []
        for i in 0..<n {
            let offset: Float = i % 2 == 0 ? 1000 : -1000
            let local = (0..<dx).map { _ in random.nextUnitFloat() * 0.01 }
            input += local.enumerated().map { $0.offset == 0 ? offset + $0.element : $0.element }
            embedding += [offset + local[0] + random.nextUnitFloat() * 0.002, local[1]]
        }
        let measured = EmbeddingMetrics.trustworthinessAndContinuity(
            input: input, inputDimension: dx, embedding: embedding, embeddingDimension: dy, neighbours: [5, 10])
        for (c, k) in [5, 10].enumerated() {
            let trust = referenceTrustworthiness(input, dx, embedding, dy, k: k)
            let continuity = referenceTrustworthiness(embedding, dy, input, dx, k: k)
            #expect(abs(measured.trustworthiness[c] - trust) < 1e-12, "k = \(k): \(measured.trustworthiness[c]) vs \(trust)")
            #expect(abs(measured.continuity[c] - continuity) < 1e-12, "k = \(k): \(measured.continuity[c]) vs \(continuity)")
            #expect(trust < 1, "the test needs neighbours that change")
        }
    }

    @Test func aPerfectlySeparatedEmbeddingIsClassifiedWithoutError() {
        var random = RandomSource(seed: 9)
        func cluster(_ label: Int, _ count: Int) -> [Float] {
            (0..<count).flatMap { _ in [Float(label * 10) + random.nextUnitFloat(), random.nextUnitFloat()] }
        }
        let train = (0..<3).flatMap { cluster($0, 20) }, test = (0..<3).flatMap { cluster($0, 7) }
        let trainLabels = (0..<3).flatMap { [Int](repeating: $0, count: 20) }
        let testLabels = (0..<3).flatMap { [Int](repeating: $0, count: 7) }
        let accuracy = EmbeddingMetrics.nearestNeighbourAccuracy(
            train: train, trainLabels: trainLabels, test: test, testLabels: testLabels, dimension: 2,
            neighbours: [1, 5])
        #expect(accuracy == [1, 1])
        // The same points with the test labels shuffled by one class: every answer is wrong.
        let wrong = EmbeddingMetrics.nearestNeighbourAccuracy(
            train: train, trainLabels: trainLabels, test: test, testLabels: testLabels.map { ($0 + 1) % 3 },
            dimension: 2, neighbours: [1, 5])
        #expect(wrong == [0, 0])
    }

    @Test func aTieBetweenLabelsGoesToTheSmallestAndEqualDistancesToTheLowerIndex() {
        // Query at 0; label 7 at distance 1, label 2 at distance 2: with k = 2 the labels tie and 2 wins.
        let tie = EmbeddingMetrics.nearestNeighbourPredictions(
            train: [1, 2, 9], trainLabels: [7, 2, 4], test: [0], dimension: 1, neighbours: [1, 2, 3])
        #expect(tie == [[7], [2], [2]])
        // Two training points at the same distance: the one with the lower index is the nearest.
        let equal = EmbeddingMetrics.nearestNeighbourPredictions(
            train: [-1, 1, 1, -1], trainLabels: [5, 3, 4, 6], test: [0], dimension: 1, neighbours: [1])
        #expect(equal == [[5]])
    }

    @Test func twoTightFarApartClustersHaveASilhouetteNearOne() throws {
        var random = RandomSource(seed: 10)
        var points: [Float] = [], labels: [Int] = []
        for i in 0..<80 {
            let centre: Float = i % 2 == 0 ? 0 : 100
            points += [centre + random.nextUnitFloat() * 0.1, random.nextUnitFloat() * 0.1, random.nextUnitFloat() * 0.1]
            labels.append(i % 2 == 0 ? 3 : 8)
        }
        let value = try #require(EmbeddingMetrics.silhouette(points: points, dimension: 3, labels: labels))
        #expect(value > 0.99 && value <= 1)
        // The labels at random instead: no structure, a silhouette near 0 or below.
        let scrambled = try #require(EmbeddingMetrics.silhouette(
            points: points, dimension: 3, labels: (0..<80).map { ($0 / 2) % 2 }))
        #expect(scrambled < 0.1)
        #expect(EmbeddingMetrics.silhouette(points: points, dimension: 3, labels: [Int](repeating: 1, count: 80)) == nil,
                "one label: undefined")
    }

    @Test func meanSquaredErrorIsPerValue() {
        #expect(EmbeddingMetrics.meanSquaredError([0, 1, 0.5, 0.25], [0, 0, 0.5, 0.75]) == (1 + 0.25) / 4)
    }
}
