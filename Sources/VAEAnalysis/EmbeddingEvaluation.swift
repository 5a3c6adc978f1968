import VAEData
import VAEModel

/// The numbers `vae eval --embedding` reports: a model's latent space judged as a dimension reduction, beside PCA
/// with as many components, by the protocol of Sainburg, McInnes & Gentner (2021, Parametric UMAP).
package struct EmbeddingEvaluation: Sendable {
    /// The figures of one embedding of the test images.
    package struct Figures: Sendable {
        /// At each k of `neighbours`, on the first `embeddingPoints` test images, the input being their pixels.
        package var trustworthiness: [Double]
        package var continuity: [Double]
        /// At each k of `classifierNeighbours`: fitted on the training images' embedding, scored on every test image;
        /// nil for unlabelled data.
        package var nearestNeighbourAccuracy: [Double]?
        /// On the first `embeddingPoints` test images; nil with fewer than 2 labels among them (or none).
        package var silhouette: Double?
        /// Per pixel, over every test image: the model's decoding of mu (probabilities), or PCA's reconstruction.
        package var reconstructionMSE: Double
    }

    package var kind: Architecture.Kind
    package var zDim: Int
    /// The test images scored (after `--limit`).
    package var testImages: Int
    /// The first test images that trustworthiness, continuity and the silhouette are computed on.
    package var embeddingPoints: Int
    /// The training images of the model's class (or all), and the first of them PCA and the classifier are fitted on.
    package var trainingImages: Int
    package var fitPoints: Int
    /// The k of trustworthiness and continuity, and of the classifier.
    package var neighbours: [Int]
    package var classifierNeighbours: [Int]
    /// The model's embedding: mu of each image (the code itself for an AE).
    package var model: Figures
    package var pca: Figures
    /// The fraction of the fitted images' variance along each of PCA's components.
    package var pcaExplainedVariance: [Double]
}

/// Computes an `EmbeddingEvaluation`.
package enum EmbeddingEvaluator {
    package static let neighbours = [5, 10]
    package static let classifierNeighbours = [1, 5]
    /// The protocol's sizes: trustworthiness on 5,000 test images, PCA and kNN fitted on 20,000 training images.
    package static let defaultEmbeddingPoints = 5000
    package static let defaultFitPoints = 20_000

    /// The fewest points trustworthiness at every k of `neighbours` takes: more than twice the largest k.
    package static var minimumEmbeddingPoints: Int { 2 * neighbours.max()! + 1 }

    /// Evaluates `model`'s embedding of `test`, and PCA's, PCA and the classifiers being fitted on the first
    /// `fitPoints` images of `training`.
    ///
    /// - Throws: `AnalysisError` when the sets are too small for the protocol.
    package static func evaluate(
        _ model: StudiedModel, training: Dataset, test: Dataset, embeddingPoints: Int, fitPoints: Int,
        threads: Int = 1
    ) throws(AnalysisError) -> EmbeddingEvaluation {
        let network = model.network, zDim = model.zDim
        let embedded = min(embeddingPoints, test.count)
        guard embedded >= minimumEmbeddingPoints else {
            throw AnalysisError("trustworthiness at k = \(neighbours.max()!) needs at least \(minimumEmbeddingPoints) test images; there are \(embedded) (--embedding-points, --limit or the test set)")
        }
        let fitted = min(fitPoints, training.count)
        guard fitted >= max(classifierNeighbours.max()!, zDim + 1) else {
            throw AnalysisError("PCA with \(zDim) components and the \(classifierNeighbours.max()!)-NN classifier need at least \(max(classifierNeighbours.max()!, zDim + 1)) training images; there are \(fitted)")
        }
        let testPoints = LabelledImages(test, network: network, threads: threads)
        let trainPoints = LabelledImages(training.prefix(fitted), network: network, threads: threads)
        let pixels = testPoints.dimension

        let pcaModel = PrincipalComponents(manyPoints: trainPoints.pixels, count: fitted, dimension: pixels)
        let pcaTest = pcaModel.projections(of: testPoints.pixels, count: test.count, components: zDim)
        let pcaTrain = pcaModel.projections(of: trainPoints.pixels, count: fitted, components: zDim)
        let pcaReconstructions = pcaModel.reconstructions(from: pcaTest, components: zDim)
        let decoded = Inference(network: network, capacity: 500, threads: threads).decode(testPoints.codes)

        func figures(test codes: [Float], train trainCodes: [Float], reconstructions: [Float]) -> EmbeddingEvaluation.Figures {
            let measured = EmbeddingMetrics.trustworthinessAndContinuity(
                input: Array(testPoints.pixels.prefix(embedded * pixels)), inputDimension: pixels,
                embedding: Array(codes.prefix(embedded * zDim)), embeddingDimension: zDim, neighbours: neighbours,
                threads: threads)
            var accuracy: [Double]?, silhouette: Double?
            if let trainLabels = trainPoints.labels, let testLabels = testPoints.labels {
                accuracy = EmbeddingMetrics.nearestNeighbourAccuracy(
                    train: trainCodes, trainLabels: trainLabels, test: codes, testLabels: testLabels,
                    dimension: zDim, neighbours: classifierNeighbours, threads: threads)
                silhouette = EmbeddingMetrics.silhouette(
                    points: Array(codes.prefix(embedded * zDim)), dimension: zDim,
                    labels: Array(testLabels.prefix(embedded)), threads: threads)
            }
            return .init(
                trustworthiness: measured.trustworthiness, continuity: measured.continuity,
                nearestNeighbourAccuracy: accuracy, silhouette: silhouette,
                reconstructionMSE: EmbeddingMetrics.meanSquaredError(reconstructions, testPoints.pixels))
        }
        let explained = pcaModel.explainedVarianceRatio
        return EmbeddingEvaluation(
            kind: network.architecture.kind, zDim: zDim, testImages: test.count, embeddingPoints: embedded,
            trainingImages: training.count, fitPoints: fitted, neighbours: neighbours,
            classifierNeighbours: classifierNeighbours,
            model: figures(test: testPoints.codes, train: trainPoints.codes, reconstructions: decoded),
            pca: figures(test: pcaTest, train: pcaTrain, reconstructions: pcaReconstructions),
            pcaExplainedVariance: Array(explained.prefix(zDim)))
    }
}

/// The one place the embedding evaluation reads a `Dataset`: its images as Floats in [0, 1], its labels as Ints,
/// and mu of each image (`EncodedSet`); the metrics themselves take plain arrays.
private struct LabelledImages {
    /// Row-major `count × dimension`.
    let pixels: [Float]
    let dimension: Int
    /// nil for unlabelled data.
    let labels: [Int]?
    /// mu of each image, row-major `count × zDim`.
    let codes: [Float]

    init(_ dataset: Dataset, network: Network, threads: Int) {
        pixels = ModelEvaluator.unitImages(dataset)
        dimension = dataset.shape.pixelCount
        labels = dataset.labels.map { $0.map(Int.init) }
        codes = EncodedSet(network: network, dataset: dataset, threads: threads).means
    }
}
