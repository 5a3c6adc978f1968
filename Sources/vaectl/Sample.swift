import ArgumentParser
import VAEClient
import VAEImage
import VAEJSON
import VAEProtocol

extension Vaectl {
    struct Sample: ParsableCommand {
        // Usage within 80 columns: argument-parser prints its generated usage as one line, here and after errors.
        static let configuration = CommandConfiguration(
            abstract: "Draw new images from the model: a PNG grid, or one PNG per image.",
            usage: """
                vaectl sample [-n <count>] [--seed <seed>] [--temperature <temperature>]
                              [-o <output>] [--out-dir <out-dir>] [--grid <grid>]
                              [--json] [--socket <socket>] [--timeout <timeout>]
                              [--model <model>]
                """,
            discussion: """
                The same model, seed and count give the same codes z, bit for bit, and the same images to float \
                rounding (the daemon may batch them with other requests). Without --seed the daemon draws one and \
                reports it. More images than the daemon's max_batch go in several requests, each asking for the \
                codes from where the last one stopped (the protocol's start): image i is image i of the seed however \
                the run is split. --json prints the seed, the latent codes and the files written.
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var model: ModelOption
        @Option(name: [.customShort("n"), .customLong("count")], help: "How many images.")
        var count: Int = 64
        @Option(help: "Seed for the latent draws (0 to 2^64-1).") var seed: UInt64?
        @Option(help: "Scale of the latent draws (> 0; below 1 gives tamer images).") var temperature: Double?
        @OptionGroup var output: ImageOutputOptions
        @OptionGroup var format: JSONOption
        var json: Bool { format.json }

        func validate() throws {
            guard count >= 1 else { throw ValidationError("-n/--count must be at least 1 (got \(count))") }
            if let temperature, !(temperature > 0 && temperature.isFinite) {
                throw ValidationError("--temperature must be a finite number above 0 (got \(temperature))")
            }
            if output.output == "-" && json {
                throw ValidationError("-o - writes the PNG (or CSV) to standard output; --json cannot share it")
            }
        }

        func run() throws {
            let session = try Session(connection)
            let described = try session.model(model.model)
            // Without -o or --out-dir an image model's run prints the codes with --json and writes nothing.
            try output.check(for: described, results: "sampled", required: !json)
            let maxBatch = try session.hello().maxBatch
            var seed = self.seed
            var images: [PixelImage] = []
            var rows: [[String]] = []
            var z: [JSONValue] = []
            for start in stride(from: 0, to: count, by: maxBatch) {
                var request = params(start: start, count: min(maxBatch, count - start), seed: seed)
                if described.isTable { request.output = nil }
                let result = try session.call(.sample, request.json)
                if start > 0 && result["start"]?.integerValue != start {
                    throw Failure(
                        .daemonError,
                        "the daemon at \(session.connection.path) does not take sample's start parameter (an older vaed); "
                            + "ask for at most its max_batch of \(maxBatch) images")
                }
                // Without --seed the first request draws one; the rest continue it.
                guard let used = result["seed"]?.number.flatMap({ UInt64($0.text) }), seed == nil || used == seed,
                    let codes = result["z"]?.arrayValue
                else {
                    throw ConnectionError(
                        .badResponse, path: session.connection.path, "the daemon's sample result lacks its seed or z")
                }
                seed = used
                if described.isTable {
                    rows += try decodedRows(result, model: described, path: session.connection.path)
                } else {
                    images += try decodeImages(result, model: described, path: session.connection.path)
                }
                z += codes
            }
            if described.isTable, let file = output.output {
                return try writeTable(rows, model: described, to: file, json: json)
            }
            // Without -o or --out-dir (allowed with --json for images) nothing is written and "files" is empty.
            try ImageWriter(options: output).writeAndReport(
                images, names: numberedNames("sample", count: images.count), json: json,
                members: [
                    JSONMember(key: "seed", value: .number(JSONNumber(text: String(seed!), double: Double(seed!)))),
                    JSONMember(key: "z", value: .array(z)),
                ],
                detail: "model \(described.name), seed \(seed!)")
        }

        /// One request's params: `count` codes from code `start` of `seed` (the daemon draws a seed when nil).
        func params(start: Int, count: Int, seed: UInt64?) -> SampleParams {
            SampleParams(model: model.model, count: count, temperature: temperature, seed: seed,
                         start: start > 0 ? start : nil, output: .u8)
        }
    }
}
