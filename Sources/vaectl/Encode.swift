import ArgumentParser
import VAEClient
import VAEJSON
import VAEProtocol

extension Vaectl {
    struct Encode: ParsableCommand {
        // Usage within 80 columns: argument-parser prints its generated usage as one line, here and after errors.
        static let configuration = CommandConfiguration(
            abstract: "Turn images (or table rows) into latent codes: one line each, or JSON for decode --z-file.",
            usage: """
                vaectl encode <files> ... [--index <index>] [--resize] [--sample]
                              [--seed <seed>] [--drop-column <drop-column> ...] [--json]
                              [--socket <socket>] [--timeout <timeout>] [--model <model>]
                """,
            discussion: """
                z is mu unless --sample draws it from the posterior (a VAE's). Text output: the input, then its z. \
                JSON output: {"inputs": […], "z": [[…]], "mu": [[…]], "logvar": [[…]]} (an AE has z only). Inputs \
                beyond the daemon's max_batch go in several requests; with --sample, request k uses seed + k. \
                A table model takes CSV files (FILE.csv): a header row of column names (the model's, in its order, \
                when it records them; --drop-column leaves out others, such as a label), then one row of numbers \
                per line; each row is one input, named FILE.csv[i].
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var model: ModelOption
        @OptionGroup var input: ImageInputOptions
        @OptionGroup var scaling: ResizeOption
        @Flag(help: "Draw z from the posterior N(mu, exp(logvar)) instead of taking mu.") var sample = false
        @Option(help: "Seed for --sample.") var seed: UInt64?
        @OptionGroup var drop: DropColumnOption
        @OptionGroup var format: JSONOption
        var json: Bool { format.json }

        func validate() throws {
            if seed != nil && !sample { throw ValidationError("--seed only matters with --sample") }
        }

        func run() throws {
            try scaling.checkNoValue()
            if input.files.contains(where: isTableFile) { return try encodeRows() }
            if !drop.columns.isEmpty { throw Failure(.usage, "--drop-column is for CSV files (a table model's)") }
            let images = try input.read()
            let session = try Session(connection)
            let (described, inputs, maxBatch) = try session.fit(images, model: model.model, resize: scaling.resize)
            try encode(
                inputs.map { u8Item($0.image) }, sources: inputs.map(\.source), session: session, model: described,
                maxBatch: maxBatch)
        }

        /// CSV files for a table model: every file must be one.
        func encodeRows() throws {
            try checkTableOptions(index: input.index, resize: scaling.resize)
            let session = try Session(connection)
            let (described, rows, _, maxBatch) = try session.fitRows(
                input.files, model: model.model, drop: drop.columns)
            let items = rows.map { JSONValue.array($0.values.map { .number(JSONNumber($0)) }) }
            try encode(
                items, sources: rows.map(\.source), session: session, model: described, maxBatch: maxBatch,
                key: "rows")
        }

        /// Sends `items` (images, or rows under `key` "rows") in requests of at most `maxBatch` and prints the codes.
        func encode(
            _ items: [JSONValue], sources: [String], session: Session, model described: ModelDescription,
            maxBatch: Int, key: String = "images"
        ) throws {
            var z: [JSONValue] = []
            var mu: [JSONValue] = []
            var logvar: [JSONValue] = []
            for (chunkIndex, start) in stride(from: 0, to: items.count, by: maxBatch).enumerated() {
                let chunk = Array(items[start..<min(start + maxBatch, items.count)])
                var params = EncodeParams(
                    model: model.model, images: key == "rows" ? [] : chunk, sample: sample ? true : nil,
                    seed: sample ? seed.map { $0 &+ UInt64(chunkIndex) } : nil)
                if key == "rows" { params.rows = chunk }
                let result = try session.call(.encode, params.json)
                guard let codes = result["z"]?.arrayValue, codes.count == chunk.count else {
                    throw ConnectionError(
                        .badResponse, path: session.connection.path,
                        "the daemon's encode result has no z for every image")
                }
                z += codes
                mu += result["mu"]?.arrayValue ?? []
                logvar += result["logvar"]?.arrayValue ?? []
            }
            if json {
                var members = [
                    JSONMember(key: "model", value: .string(described.name)),
                    JSONMember(key: "inputs", value: .strings(sources)),
                    JSONMember(key: "z", value: .array(z)),
                ]
                if mu.count == z.count && logvar.count == z.count {
                    members += [
                        JSONMember(key: "mu", value: .array(mu)), JSONMember(key: "logvar", value: .array(logvar)),
                    ]
                }
                return printJSON(.object(members))
            }
            for (source, code) in zip(sources, z) {
                let numbers = code.arrayValue?.compactMap { $0.number?.text } ?? []
                print("\(source)\t\(numbers.joined(separator: " "))")
            }
        }
    }
}
