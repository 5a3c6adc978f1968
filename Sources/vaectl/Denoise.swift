import ArgumentParser
import VAEClient
import VAEImage
import VAEJSON
import VAEProtocol

extension Vaectl {
    struct Denoise: ParsableCommand {
        // Usage within 80 columns: argument-parser prints its generated usage as one line, here and after errors.
        static let configuration = CommandConfiguration(
            abstract: "Clean images (or table rows) up through the model: each comes back as decode(mu(x)).",
            usage: """
                vaectl denoise <files> ... [--index <index>] [--resize] [-o <output>]
                               [--out-dir <out-dir>] [--grid <grid>]
                               [--drop-column <drop-column> ...] [--json]
                               [--socket <socket>] [--timeout <timeout>]
                               [--model <model>]
                """,
            discussion: """
                With --out-dir each result is named after its input (scan.png → DIR/scan.png; image 5 of an IDX \
                file → DIR/<file>-5.png). With -o one input gives one PNG and several give a grid. --json prints the \
                inputs and the files written. A table model takes CSV files (FILE.csv), read as encode reads them (the \
                header checked against the model's columns, --drop-column for others such as a label), and writes \
                the denoised rows as CSV to -o FILE (- for standard output) under the same header, in the data's \
                own units.
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var model: ModelOption
        @OptionGroup var input: ImageInputOptions
        @OptionGroup var scaling: ResizeOption
        @OptionGroup var output: ImageOutputOptions
        @OptionGroup var drop: DropColumnOption
        @OptionGroup var format: JSONOption
        var json: Bool { format.json }

        func validate() throws {
            if output.isEmpty {
                throw ValidationError("give -o FILE or --out-dir DIR for the denoised images (-o FILE.csv for rows)")
            }
            if output.output == "-" && json {
                throw ValidationError("-o - writes the PNG (or CSV) to standard output; --json cannot share it")
            }
        }

        func run() throws {
            try scaling.checkNoValue()
            if input.files.contains(where: isTableFile) { return try denoiseRows() }
            if !drop.columns.isEmpty { throw Failure(.usage, "--drop-column is for CSV files (a table model's)") }
            let images = try input.read()
            let session = try Session(connection)
            let (described, inputs, maxBatch) = try session.fit(images, model: model.model, resize: scaling.resize)
            try output.check(for: described, results: "denoised")
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

        /// CSV files for a table model: the denoised rows as one CSV file under the inputs' header.
        func denoiseRows() throws {
            try checkTableOptions(index: input.index, resize: scaling.resize)
            let session = try Session(connection)
            let (described, inputs, columns, maxBatch) = try session.fitRows(
                input.files, model: model.model, drop: drop.columns)
            try output.checkTable(model: described.name, results: "denoised")
            let file = output.output!  // checked just above
            var rows: [[String]] = []
            for start in stride(from: 0, to: inputs.count, by: maxBatch) {
                let chunk = inputs[start..<min(start + maxBatch, inputs.count)]
                let params = DenoiseParams(model: model.model, rows: chunk.map(\.values))
                rows += try decodedRows(
                    session.call(.denoise, params.json), model: described, path: session.connection.path)
            }
            try writeTable(
                rows, model: described, to: file, json: json, columns: columns,
                members: [JSONMember(key: "inputs", value: .strings(inputs.map(\.source)))])
        }
    }
}
