import ArgumentParser
import VAEAnalysis
import VAEData
import VAEFiles

extension VAECommand {
    struct AnalyzeReconstruct: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reconstruct",
            abstract: "Show test images above their reconstructions (with --noise: clean, noisy, denoised).",
            // Wrapped by hand within 80 columns: argument-parser does not wrap the usage it generates.
            usage: """
                vae analyze reconstruct <model> -o <figure.png|.svg|.csv> [--count <n>]
                    [--spread] [--noise <p>] [--seed <n>]
                    [--data <dir>] [--dataset <dataset>] [--limit <n>] [--threads <n>]
                """,
            discussion: """
                Takes the first --count test images (or, with --spread, images evenly spaced over the test set) and \
                decodes each from mu. With --noise P the images are first \
                corrupted with the trainer's noise (each pixel, with probability P, gets |N(0,1)| added, clipped to \
                [0,1]) and the figure has three rows: clean, noisy, denoised. -o NAME.png writes the bare grid \
                (2-pixel padding); -o NAME.svg adds the title and row names. A table model's reconstructions are \
                numbers: -o NAME.csv writes each test row (`input`) followed by its reconstruction, in the data's \
                units, under `item` (the row's line in the CSV file, else its index in the test split) (the pixel noise of --noise does not apply to tables).
                """
        )

        @OptionGroup var input: AnalysisInputOptions

        @Option(name: .shortAndLong, help: "The figure to write (.png or .svg; .csv for a table model).")
        var output: String

        @Option(help: "Images to show (1 to 100).")
        var count: Int = 8

        @Flag(help: "Take the images evenly spaced over the test set instead of the first ones (for a test set sorted by class, like the MNIST subset).")
        var spread = false

        @Option(help: "Corrupt the inputs with the trainer's noise at this fraction first (0 for none).")
        var noise: Float = 0

        @Option(help: "Seed of the corruption.")
        var seed: UInt64 = 1

        func run() throws {
            try AnalysisArguments.checkOutput(output, extensions: [".png", ".svg", ".csv"])
            let corruption: NoiseCorruption
            do { corruption = try NoiseCorruption(fraction: noise) } catch { throw userError("--noise: \(error)") }
            let model = try input.loadModel()
            let asTable = try AnalysisArguments.checkDecodedOutput(output, for: model)
            if asTable && noise > 0 {
                throw userError("--noise corrupts pixels in [0, 1]; a table model's rows have no such noise")
            }
            let test = try input.testSet(of: model)
            if asTable {
                let rows = try AnalysisArguments.analysis { () throws(AnalysisError) in
                    try ReconstructionFigure.rows(
                        model: model, test: test, count: count, spread: spread,
                        inference: Inference(network: model.network, capacity: 128, threads: input.threads))
                }
                return try AnalysisArguments.write(rows, to: output)
            }
            let figure = try AnalysisArguments.analysis { () throws(AnalysisError) in
                try ReconstructionFigure.render(
                    model: model, test: test, count: count, spread: spread, noise: corruption, seed: seed,
                    inference: Inference(network: model.network, capacity: 128, threads: input.threads))
            }
            try AnalysisArguments.write(output) { () throws(DataError) in try figure.write(to: output) }
        }
    }
}
