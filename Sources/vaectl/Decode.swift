import ArgumentParser
import Foundation
import VAEClient
import VAEImage
import VAEJSON
import VAEProtocol

extension Vaectl {
    struct Decode: ParsableCommand {
        // Usage within 80 columns: argument-parser prints its generated usage as one line, here and after errors.
        static let configuration = CommandConfiguration(
            abstract: "Turn latent codes into images (or a table model's rows).",
            usage: """
                vaectl decode [--z <z> ...] [--z-file <z-file>] [-o <output>]
                              [--out-dir <out-dir>] [--grid <grid>] [--json]
                              [--socket <socket>] [--timeout <timeout>] [--model <model>]
                """,
            discussion: """
                Codes come from --z (one code per option), from --z-file, or from standard input: encode --json \
                output ({"z": [[…]]}), a JSON array of codes, one code as a flat array, JSON Lines of these (one per \
                line, as from encode --json | jq -c '.z[]'), or text with one code per line (numbers separated by \
                commas or spaces). --z-file - reads standard input. --json prints the files written. A table \
                model's rows are written as CSV to -o FILE (- for standard output), under a header of the model's \
                column names (x1, x2, … when it records none), in the data's own units.
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var model: ModelOption
        @Option(
            name: .customLong("z"), parsing: .unconditionalSingleValue,
            help: "One latent code, such as 0.5,-1.2 (repeatable).") var codes: [String] = []
        @Option(help: "A file of latent codes: JSON, JSON Lines or text (- for standard input).") var zFile: String?
        @OptionGroup var output: ImageOutputOptions
        @OptionGroup var format: JSONOption
        var json: Bool { format.json }

        func validate() throws {
            if !codes.isEmpty && zFile != nil { throw ValidationError("give either --z or --z-file, not both") }
            for code in codes {
                do {
                    _ = try LatentCodeText.parseCode(code)
                } catch {
                    throw ValidationError(error.message)
                }
            }
            if output.output == "-" && json {
                throw ValidationError("-o - writes the PNG (or CSV) to standard output; --json cannot share it")
            }
        }

        func readCodes() throws -> [[Double]] {
            if !codes.isEmpty { return try codes.map(LatentCodeText.parseCode) }
            if let zFile, zFile != "-" {
                guard let data = FileManager.default.contents(atPath: zFile) else {
                    let reason = FileManager.default.fileExists(atPath: zFile) ? "permission denied or not a file" : "no such file"
                    throw Failure(.usage, "cannot read \(zFile): \(reason)")
                }
                return try LatentCodeText.parse(String(decoding: data, as: UTF8.self), source: zFile)
            }
            if zFile == nil && isatty(STDIN_FILENO) == 1 {
                throw Failure(.usage, "give latent codes with --z, --z-file or on standard input")
            }
            let data = FileHandle.standardInput.readDataToEndOfFile()
            return try LatentCodeText.parse(String(decoding: data, as: UTF8.self), source: "standard input")
        }

        func run() throws {
            let z = try readCodes()
            let session = try Session(connection)
            let described = try session.model(model.model)
            try output.check(for: described, results: "decoded")
            let maxBatch = try session.hello().maxBatch
            if described.isTable { return try decodeRows(z, session: session, model: described, maxBatch: maxBatch) }
            var images: [PixelImage] = []
            for start in stride(from: 0, to: z.count, by: maxBatch) {
                let chunk = z[start..<min(start + maxBatch, z.count)]
                let params = DecodeParams(model: model.model, codes: Array(chunk), output: .u8)
                images += try decodeImages(
                    session.call(.decode, params.json), model: described, path: session.connection.path)
            }
            try ImageWriter(options: output).writeAndReport(
                images, names: numberedNames("decoded", count: images.count), json: json,
                detail: "model \(described.name)")
        }

        /// A table model's decoded rows, as CSV.
        func decodeRows(_ z: [[Double]], session: Session, model described: ModelDescription, maxBatch: Int) throws {
            let file = output.output!  // checked by `output.check(for:results:)`
            var rows: [[String]] = []
            for start in stride(from: 0, to: z.count, by: maxBatch) {
                let params = DecodeParams(model: model.model, codes: Array(z[start..<min(start + maxBatch, z.count)]))
                let result = try session.call(.decode, params.json)
                rows += try decodedRows(result, model: described, path: session.connection.path)
            }
            try writeTable(rows, model: described, to: file, json: json)
        }
    }
}
