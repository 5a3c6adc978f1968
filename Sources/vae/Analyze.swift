import ArgumentParser

extension VAECommand {
    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Figures of what a trained model learned: manifold, reconstructions, latent scatter, dimensions, traversals.",
            discussion: """
                Each subcommand reads a .vaez model (or a training folder) and the test set of the dataset it was \
                trained on (only its class, if it was trained with --class), and writes one figure. Image figures \
                (manifold, reconstruct, traverse) are a bare PNG grid when -o ends in .png and a labelled SVG (the \
                PNG embedded, with title, axes and tick values) when -o ends in .svg; plots (scatter, dims) are SVG.
                """,
            subcommands: [AnalyzeManifold.self, AnalyzeReconstruct.self, AnalyzeScatter.self, AnalyzeDims.self,
                          AnalyzeTraverse.self]
        )
    }
}
