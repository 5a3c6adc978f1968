import ArgumentParser
import VAEAnalysis
import VAEFiles

extension VAECommand {
    struct AnalyzeScatter: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scatter",
            abstract: "Plot the test set's latent means in two dimensions, coloured by class (SVG).",
            // Wrapped by hand within 80 columns: argument-parser does not wrap the usage it generates.
            usage: """
                vae analyze scatter <model> -o <figure.svg> [--dims <h,v>] [--pca]
                    [--data <dir>] [--dataset <dataset>] [--limit <n>] [--threads <n>]
                """,
            discussion: """
                Encodes the test images and draws mu in two chosen latent dimensions (--dims), or on the first two \
                principal components of mu (--pca, the axes say how much variance each explains). Each class has \
                its colour, a legend entry with its name, and its name at its centroid.
                """
        )

        @OptionGroup var input: AnalysisInputOptions

        @Option(name: .shortAndLong, help: "The figure to write (.svg).")
        var output: String

        @Option(help: "The two latent dimensions: horizontal,vertical (default 0,1).")
        var dims: String?

        @Flag(help: "Plot the first two principal components of mu instead of two dimensions.")
        var pca = false

        func run() throws {
            try AnalysisArguments.checkOutput(output, extensions: [".svg"])
            if pca && dims != nil { throw userError("--dims and --pca are alternatives; give one") }
            let projection: LatentScatterFigure.Projection
            if pca {
                projection = .principalComponents
            } else {
                let dimensions = try AnalysisArguments.integers(dims ?? "0,1", option: "--dims")
                guard dimensions.count == 2 else {
                    throw userError("--dims takes two latent dimensions, like 0,1 (got '\(dims ?? "")')")
                }
                projection = .dimensions(dimensions[0], dimensions[1])
            }
            let model = try input.loadModel()
            let test = try input.testSet(of: model)
            let codes = EncodedSet(network: model.network, dataset: test, threads: input.threads)
            let figure = try AnalysisArguments.analysis { () throws(AnalysisError) in
                try LatentScatterFigure(codes: codes, projection: projection, caption: model.caption)
            }
            let document = figure.svg(classNames: input.classNames(of: model))
            try AnalysisArguments.write(output) { () throws(DataError) in try document.write(to: output) }
        }
    }
}
