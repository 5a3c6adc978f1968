import ArgumentParser
import VAEAnalysis
import VAEFiles

extension VAECommand {
    struct AnalyzeTraverse: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "traverse",
            abstract: "Sweep each latent dimension from one test image's mu, one row per dimension (disentanglement).",
            // Wrapped by hand within 80 columns: argument-parser does not wrap the usage it generates.
            usage: """
                vae analyze traverse <model> -o <figure.png|.svg|.csv> [--dim <d,…>]
                    [--range <low,high>] [--steps <n>] [--image <index>]
                    [--data <dir>] [--dataset <dataset>] [--limit <n>] [--threads <n>]
                """,
            discussion: """
                Starts from mu of test image --image and, row by row, sets one dimension to --steps values evenly \
                spread over --range (the other dimensions keep their values). For a VAE the range is in z itself \
                (the prior's units); for an AE it is in units of the training codes' spread: mean + t·std. \
                -o NAME.png writes the bare grid; -o NAME.svg adds the title, the dimension of each row and the \
                values. A table model's traversals are numbers: -o NAME.csv writes one line per step, the \
                dimension, its value and the decoded features in the data's units (--image then picks the test \
                row).
                """
        )

        @OptionGroup var input: AnalysisInputOptions

        @Option(name: .shortAndLong, help: "The figure to write (.png or .svg; .csv for a table model).")
        var output: String

        @Option(help: "The dimensions to sweep, comma-separated (default: all).")
        var dim: String?

        @Option(parsing: .unconditional, help: "The sweep's ends: low,high.")
        var range: String = "-3,3"

        @Option(help: "Values per row.")
        var steps: Int = 11

        @Option(help: "The test image (row, of a table) to start from: its index.")
        var image: Int = 0

        func run() throws {
            try AnalysisArguments.checkOutput(output, extensions: [".png", ".svg", ".csv"])
            let dimensions = try dim.map { try AnalysisArguments.integers($0, option: "--dim") } ?? []
            let sweep = try AnalysisArguments.range(range, option: "--range")
            let model = try input.loadModel()
            let asTable = try AnalysisArguments.checkDecodedOutput(output, for: model)
            let test = try input.testSet(of: model)
            if asTable {
                let rows = try AnalysisArguments.analysis { () throws(AnalysisError) in
                    try TraversalFigure.rows(
                        model: model, test: test, dimensions: dimensions, range: sweep, steps: steps, rowIndex: image,
                        inference: Inference(network: model.network, capacity: 256, threads: input.threads))
                }
                return try AnalysisArguments.write(rows, to: output)
            }
            let figure = try AnalysisArguments.analysis { () throws(AnalysisError) in
                try TraversalFigure.render(
                    model: model, test: test, dimensions: dimensions, range: sweep, steps: steps, imageIndex: image,
                    inference: Inference(network: model.network, capacity: 256, threads: input.threads))
            }
            try AnalysisArguments.write(output) { () throws(DataError) in try figure.write(to: output) }
        }
    }
}
