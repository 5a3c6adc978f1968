import Testing
import VAEAnalysis
import VAEData
import VAEImage
import VAENumerics
import VAETestSupport

@Suite("Figures from small models")
struct FigureTests {
    let vae = StudiedModel(network: TestNetworks.network(kind: .vae, zDim: 3))
    let images = TestNetworks.dataset(count: 40)

    @Test func manifoldGridIsTheQuantileGridWithPositiveUp() throws {
        let figure = try ManifoldFigure(model: vae, dimensions: [2, 0], steps: 5)
        let q = linearSpace(from: 0.05, to: 0.95, count: 5).map { Float(normalQuantile($0)) }
        #expect(figure.columnValues == q)
        #expect(figure.rowValues == q.reversed(), "the top row has the largest value")
        let codes = figure.codes
        #expect(codes.count == 25 * 3)
        #expect(codes[0..<3] == [q[4], 0, q[0]], "top-left: z2 at the smallest, z0 at the largest quantile, z1 at 0")
        let labelled = figure.render(Inference(network: vae.network))
        let png = try PNG.decode(PNG.encode(labelled.image))
        #expect(png.width == 5 * 28 && png.height == 5 * 28)
        let parsed = ParsedSVG(try labelled.svg().rendered())
        #expect(parsed.isWellFormed)
        #expect(parsed.texts.contains("z2") && parsed.texts.contains("z0 (positive up)"))
        #expect(try parsed.embeddedImages().first?.width == 140)
    }

    @Test func anAutoencoderManifoldUsesItsLatentStatistics() throws {
        let network = TestNetworks.network(kind: .ae, zDim: 2)
        var metadata = StudiedModel(network: network).metadata
        metadata.latent = .init(mean: [1, -2], std: [0.5, 3])
        let ae = StudiedModel(network: network, metadata: metadata)
        let figure = try ManifoldFigure(model: ae, dimensions: [0, 1], steps: 3)
        #expect(figure.columnValues[1] == 1 && figure.rowValues[1] == -2, "the middle is the mean")
        #expect(abs(figure.columnValues[2] - (1 + 0.5 * Float(normalQuantile(0.95)))) < 1e-6)
    }

    @Test(arguments: [[0, 3], [1, 1], [0], [-1, 0]])
    func badDimensionsAreRefused(dimensions: [Int]) {
        #expect(throws: AnalysisError.self) { try ManifoldFigure(model: vae, dimensions: dimensions, steps: 5) }
    }

    @Test func reconstructionWithNoiseHasThreeRows() throws {
        let noise = try NoiseCorruption(fraction: 0.2)
        let figure = try ReconstructionFigure.render(model: vae, test: images, count: 6, noise: noise, seed: 1,
                                                     inference: Inference(network: vae.network))
        #expect(figure.image.width == 6 * 30 + 2 && figure.image.height == 3 * 30 + 2)
        #expect(figure.rowTicks.map(\.label) == ["test image", "noise p = 0.2", "denoised"])
        let plain = try ReconstructionFigure.render(model: vae, test: images, count: 6, noise: nil, seed: 1,
                                                    inference: Inference(network: vae.network))
        #expect(plain.image.height == 2 * 30 + 2)
        let spread = try ReconstructionFigure.render(model: vae, test: images, count: 4, spread: true, noise: nil, seed: 1,
                                                     inference: Inference(network: vae.network))
        let first = try ReconstructionFigure.render(model: vae, test: images, count: 4, noise: nil, seed: 1,
                                                    inference: Inference(network: vae.network))
        #expect(spread.image.width == first.image.width && spread.image != first.image, "other images, same layout")
    }

    @Test func traversalHasOneRowPerDimension() throws {
        let figure = try TraversalFigure.render(model: vae, test: images, dimensions: [], range: (-3, 3), steps: 7,
                                                imageIndex: 2, inference: Inference(network: vae.network))
        #expect(figure.image.height == 3 * 30 + 2 && figure.image.width == 7 * 30 + 2)
        #expect(figure.rowTicks.map(\.label) == ["z0", "z1", "z2"])
        #expect(throws: AnalysisError.self) {
            try TraversalFigure.render(model: vae, test: images, dimensions: [3], range: (-3, 3), steps: 7,
                                       imageIndex: 0, inference: Inference(network: vae.network))
        }
        #expect(throws: AnalysisError.self) {
            try TraversalFigure.render(model: vae, test: images, dimensions: [0], range: (3, -3), steps: 7,
                                       imageIndex: 0, inference: Inference(network: vae.network))
        }
    }

    @Test func scatterNamesEveryClassOnceInTheLegendAndOnceAtItsCentroid() throws {
        let codes = EncodedSet(network: vae.network, dataset: images)
        let names = ["zero", "one", "two", "three"]
        for projection in [LatentScatterFigure.Projection.dimensions(0, 2), .principalComponents] {
            let figure = try LatentScatterFigure(codes: codes, projection: projection, caption: "test")
            let parsed = ParsedSVG(figure.svg(classNames: names).rendered())
            #expect(parsed.isWellFormed)
            #expect(parsed.named("circle").count == 40 + 4, "every point and one legend marker per class")
            for name in names { #expect(parsed.texts.filter { $0 == name }.count == 2) }
        }
    }

    @Test func dimensionFigureShowsTheCountAndTheThreshold() {
        let statistics = LatentDimensionStatistics(averageKL: [2, 0.001, 1], meanVariance: [0.8, 0.0001, 0.3],
                                                   decoderColumnSums: [40, 1, 30])
        let parsed = ParsedSVG(DimensionFigure.svg(statistics, caption: "test").rendered())
        #expect(parsed.isWellFormed)
        #expect(parsed.texts.contains("Manifold dimension discovery: 2 of 3 dimensions active"))
        #expect(parsed.texts.contains("threshold 0.01"))
        #expect(parsed.named("rect").filter { $0.attributes["fill"] == "#b0b0b0" }.count == 3 + 1,
                "the inactive dimension is grey in all three panels, plus its legend marker")
    }
}
