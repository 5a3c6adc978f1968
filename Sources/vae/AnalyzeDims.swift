import ArgumentParser
import Foundation
import VAEAnalysis
import VAEFiles

extension VAECommand {
    struct AnalyzeDims: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dims",
            abstract: "Manifold dimension discovery: which latent dimensions the model uses (SVG, and a table).",
            // Wrapped by hand within 80 columns: argument-parser does not wrap the usage it generates.
            usage: """
                vae analyze dims <model> -o <figure.svg>
                    [--data <dir>] [--dataset <dataset>] [--limit <n>] [--threads <n>]
                """,
            discussion: """
                For each latent dimension, over the test set: the average KL of q(z_j|x) to the prior N(0,1), the \
                variance of mu_j, and the seed project's measure, the absolute column sum of the first decoder \
                layer's weights. A dimension is active when the variance of mu_j exceeds 0.01 (Burda et al. 2015). \
                Prints the table, most used first, and the count of active dimensions; the SVG shows the three \
                measures as bars in the same order, with the threshold drawn. An AE has no KL: its table and figure \
                leave that measure out.
                """
        )

        @OptionGroup var input: AnalysisInputOptions

        @Option(name: .shortAndLong, help: "The figure to write (.svg).")
        var output: String

        func run() throws {
            try AnalysisArguments.checkOutput(output, extensions: [".svg"])
            let model = try input.loadModel()
            let test = try input.testSet(of: model)
            let codes = EncodedSet(network: model.network, dataset: test, threads: input.threads)
            let statistics = LatentDimensionStatistics(network: model.network, codes: codes)
            let active = Set(statistics.activeDimensions())
            print("dimension  average KL  variance of mu  decoder Σ|W|  active")
            for d in statistics.orderByUse {
                let kl = statistics.averageKL.map { String(format: "%10.4f", $0[d]) } ?? "       n/a"
                print(String(format: "%9d  ", d) + kl + String(format: "  %14.6f  %12.3f  ", statistics.meanVariance[d],
                                                                  statistics.decoderColumnSums[d]) + (active.contains(d) ? "yes" : "no"))
            }
            print("active dimensions: \(active.count) of \(statistics.zDim) (variance of mu > 0.01, \(test.count) test images)")
            let document = DimensionFigure.svg(statistics, caption: model.caption)
            try AnalysisArguments.write(output) { () throws(DataError) in try document.write(to: output) }
        }
    }
}
