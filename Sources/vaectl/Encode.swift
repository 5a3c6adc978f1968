import ArgumentParser
import VAEClient
import VAEJSON
import VAEProtocol

extension Vaectl {
    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn images into latent codes: one line per image, or JSON that decode --z-file reads back.",
            discussion: """
                z is mu unless --sample draws it from the posterior (a VAE's). Text output: the input, then its z. \
                JSON output: {"inputs": […], "z": [[…]], "mu": [[…]], "logvar": [[…]]} (an AE has z only). Inputs \
                beyond the daemon's max_batch go in several requests; with --sample, request k uses seed + k.
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var model: ModelOption
        @OptionGroup var input: ImageInputOptions
        @OptionGroup var scaling: ResizeOption
        @Flag(help: "Draw z from the posterior N(mu, exp(logvar)) instead of taking mu.") var sample = false
        @Option(help: "Seed for --sample.") var seed: UInt64?
        @OptionGroup var format: JSONOption
        var json: Bool { format.json }

        func validate() throws {
            if seed != nil && !sample { throw ValidationError("--seed only matters with --sample") }
        }

        func run() throws {
            let images = try input.read()
            let session = try Session(connection)
            let (described, inputs, maxBatch) = try session.fit(images, model: model.model, resize: scaling.resize)
            var z: [JSONValue] = []
            var mu: [JSONValue] = []
            var logvar: [JSONValue] = []
            for (chunkIndex, start) in stride(from: 0, to: inputs.count, by: maxBatch).enumerated() {
                let chunk = inputs[start..<min(start + maxBatch, inputs.count)]
                let params = EncodeParams(
                    model: model.model, images: chunk.map { u8Item($0.image) }, sample: sample ? true : nil,
                    seed: sample ? seed.map { $0 &+ UInt64(chunkIndex) } : nil)
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
                    JSONMember(key: "inputs", value: .strings(inputs.map(\.source))),
                    JSONMember(key: "z", value: .array(z)),
                ]
                if mu.count == z.count && logvar.count == z.count {
                    members += [
                        JSONMember(key: "mu", value: .array(mu)), JSONMember(key: "logvar", value: .array(logvar)),
                    ]
                }
                return printJSON(.object(members))
            }
            for (input, code) in zip(inputs, z) {
                let numbers = code.arrayValue?.compactMap { $0.number?.text } ?? []
                print("\(input.source)\t\(numbers.joined(separator: " "))")
            }
        }
    }
}
