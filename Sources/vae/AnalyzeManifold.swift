import ArgumentParser
import VAEAnalysis
import VAEFiles

extension VAECommand {
    struct AnalyzeManifold: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "manifold",
            abstract: "Decode a grid over two latent dimensions: the learned manifold.",
            // Wrapped by hand within 80 columns: argument-parser does not wrap the usage it generates.
            usage: """
                vae analyze manifold <model> -o <figure.png|.svg|.csv> [--dims <h,v>]
                    [--steps <n>] [--data <dir>] [--dataset <dataset>] [--limit <n>]
                    [--threads <n>]
                """,
            discussion: """
                The grid is Φ⁻¹(linspace(0.05, 0.95, steps)) in both dimensions, positive values of the second \
                dimension at the top; other dimensions are held at 0 (the prior's mean). An AE has no prior: its \
                grid is mean + std·Φ⁻¹(p) of the latent statistics its file records, other dimensions at their mean. \
                -o NAME.png writes the bare grid (28 pixels per cell, no padding); -o NAME.svg the grid with its \
                title, axis names and the z value of every (or every other) row and column. A table model's \
                grid is numbers: -o NAME.csv writes one line per grid point, its two z values and the decoded \
                features in the data's units, row by row from the top.
                """
        )

        @OptionGroup var input: AnalysisInputOptions

        @Option(name: .shortAndLong, help: "The figure to write (.png or .svg; .csv for a table model).")
        var output: String

        @Option(help: "The two latent dimensions: horizontal,vertical.")
        var dims: String = "0,1"

        @Option(help: "Grid points per dimension.")
        var steps: Int = 20

        func run() throws {
            try AnalysisArguments.checkOutput(output, extensions: [".png", ".svg", ".csv"])
            let dimensions = try AnalysisArguments.integers(dims, option: "--dims")
            let model = try input.loadModel()
            let asTable = try AnalysisArguments.checkDecodedOutput(output, for: model)
            let figure = try AnalysisArguments.analysis { () throws(AnalysisError) in
                try ManifoldFigure(model: model, dimensions: dimensions, steps: steps)
            }
            let inference = Inference(network: model.network, capacity: 400, threads: input.threads)
            if asTable { return try AnalysisArguments.write(figure.rows(inference, of: model), to: output) }
            let image = figure.render(inference)
            try AnalysisArguments.write(output) { () throws(DataError) in try image.write(to: output) }
        }
    }
}
