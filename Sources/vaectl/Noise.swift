import ArgumentParser
import VAEClient
import VAECore
import VAEData
import VAEImage
import VAEJSON

extension Vaectl {
    struct Noise: ParsableCommand {
        // Usage within 80 columns: argument-parser prints its generated usage as one line, here and after errors.
        static let configuration = CommandConfiguration(
            abstract: "Corrupt images the way the trainer does (no daemon needed), to try denoise on.",
            usage: """
                vaectl noise <files> ... --fraction <fraction> [--index <index>]
                             [--seed <seed>] [--resize <HEIGHTxWIDTH>] [-o <output>]
                             [--out-dir <out-dir>] [--grid <grid>] [--json]
                """,
            discussion: """
                Each pixel, with probability --fraction, gets |N(0, 1)| added, and the result is clipped to [0, 1]: \
                the trainer's --noise corruption. The same seed and inputs give the same output. --fraction 0 \
                writes the inputs unchanged (a quick way to turn IDX images into PNG). --json prints the inputs and the \
                files written.
                """)

        @OptionGroup var input: ImageInputOptions
        @Option(help: "Probability that a pixel is corrupted, in [0, 1].") var fraction: Float
        @Option(help: "Seed for the corruption.") var seed: UInt64 = 1
        @Option(
            help: ArgumentHelp(
                "Scale each image to this size first, as denoise and encode --resize do for a model of that size, "
                    + "to see what would be sent (default: each image keeps its own).",
                valueName: "HEIGHTxWIDTH"))
        var resize: ImageSize?
        @OptionGroup var output: ImageOutputOptions
        @OptionGroup var format: JSONOption
        var json: Bool { format.json }

        func validate() throws {
            guard fraction.isFinite, (0...1).contains(fraction) else {
                throw ValidationError("--fraction must be in [0, 1] (got \(fraction))")
            }
            if output.isEmpty { throw ValidationError("give -o FILE or --out-dir DIR for the corrupted images") }
            if output.output == "-" && json {
                throw ValidationError("-o - writes the PNG to standard output; --json cannot share it")
            }
        }

        func run() throws {
            try output.checkImages(command: "noise")
            var inputs = try input.read()
            if let resize {
                inputs = try ImageFiles.conform(inputs, height: resize.height, width: resize.width, model: "", resize: true)
            }
            let corruption = try NoiseCorruption(fraction: fraction)
            var random = RandomSource(seed: seed)
            let corrupted = inputs.map { input in
                let image = input.image
                return PixelImage(
                    width: image.width, height: image.height, channels: image.channels,
                    unitValues: corruption.applied(to: image.unitValues, random: &random))
            }
            try ImageWriter(options: output).writeAndReport(
                corrupted, names: inputs.map(\.stem), json: json,
                members: [JSONMember(key: "inputs", value: .strings(inputs.map(\.source)))],
                detail: "fraction \(fraction), seed \(seed)")
        }
    }
}
