import ArgumentParser
import VAEClient
import VAEImage
import VAEJSON
import VAEProtocol

extension Vaectl {
    struct Denoise: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Clean images up through the model: each comes back as decode(mu(image)).",
            discussion: """
                With --out-dir each result is named after its input (scan.png → DIR/scan.png; image 5 of an IDX file \
                → DIR/<file>-5.png). With -o one input gives one PNG and several give a grid. --json prints the inputs \
                and the files written.
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var model: ModelOption
        @OptionGroup var input: ImageInputOptions
        @OptionGroup var scaling: ResizeOption
        @OptionGroup var output: ImageOutputOptions
        @OptionGroup var format: JSONOption
        var json: Bool { format.json }

        func validate() throws {
            if output.isEmpty { throw ValidationError("give -o FILE or --out-dir DIR for the denoised images") }
            if output.output == "-" && json {
                throw ValidationError("-o - writes the PNG to standard output; --json cannot share it")
            }
        }

        func run() throws {
            let images = try input.read()
            let session = try Session(connection)
            let (described, inputs, maxBatch) = try session.fit(images, model: model.model, resize: scaling.resize)
            var results: [PixelImage] = []
            for start in stride(from: 0, to: inputs.count, by: maxBatch) {
                let chunk = inputs[start..<min(start + maxBatch, inputs.count)]
                let params = DenoiseParams(model: model.model, images: chunk.map { u8Item($0.image) }, output: .u8)
                results += try decodeImages(
                    session.call(.denoise, params.json), model: described, path: session.connection.path)
            }
            try ImageWriter(options: output).writeAndReport(
                results, names: inputs.map(\.stem), json: json,
                members: [JSONMember(key: "inputs", value: .strings(inputs.map(\.source)))],
                detail: "model \(described.name)")
        }
    }
}
