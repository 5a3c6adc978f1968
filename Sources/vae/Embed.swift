import ArgumentParser
import VAEAnalysis
import VAEData
import VAEFiles

extension VAECommand {
    struct Embed: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the latent code of every test item: mu (and logvar) as CSV or .npy.",
            discussion: """
                Encodes the model's test split (clean, in order; only the model's class if it was trained on \
                one) and writes one row per item. CSV: item (its index), label, class (its name), mu_0 … mu_{z−1} \
                and, with --logvar, logvar_0 … (a VAE's; an AE has none). .npy: float32 [N, z], or [N, 2z] with \
                --logvar (mu first), for numpy.load; labels and names are in the CSV form only.
                """
        )

        @OptionGroup var input: AnalysisInputOptions

        @Option(name: .shortAndLong, help: "The file to write: .csv or .npy.")
        var output: String

        @Flag(help: "Also write logvar (VAE only).")
        var logvar = false

        func run() throws {
            try AnalysisArguments.checkOutput(output, extensions: [".csv", ".npy"])
            let model = try input.loadModel()
            if logvar && model.architecture.kind != .vae {
                throw userError("--logvar: an AE has no logvar (its code is z = mu); leave the flag out")
            }
            let test = try input.testSet(of: model)
            let codes = EncodedSet(network: model.network, dataset: test, threads: input.threads)
            let bytes = output.lowercased().hasSuffix(".npy")
                ? Self.npy(codes, logvar: logvar)
                : Array(Self.csv(codes, logvar: logvar, classNames: input.classNames(of: model)).utf8)
            try AnalysisArguments.write(output) { () throws(DataError) in try Files.writeAtomically(bytes, to: output) }
        }

        static func npy(_ codes: EncodedSet, logvar: Bool) -> [UInt8] {
            guard logvar, let logVariances = codes.logVariances else {
                return NPYWriter.float32(codes.means, shape: [codes.count, codes.zDim])
            }
            var values: [Float] = []
            values.reserveCapacity(2 * codes.means.count)
            for row in 0..<codes.count {
                values += codes.means[(row * codes.zDim)..<((row + 1) * codes.zDim)]
                values += logVariances[(row * codes.zDim)..<((row + 1) * codes.zDim)]
            }
            return NPYWriter.float32(values, shape: [codes.count, 2 * codes.zDim])
        }

        static func csv(_ codes: EncodedSet, logvar: Bool, classNames: [String]) -> String {
            let z = codes.zDim
            var header = ["item", "label", "class"] + (0..<z).map { "mu_\($0)" }
            if logvar { header += (0..<z).map { "logvar_\($0)" } }
            var text = header.joined(separator: ",") + "\n"
            for row in 0..<codes.count {
                let label = Int(codes.labels[row])
                var fields = [String(row), String(label), csvField(label < classNames.count ? classNames[label] : "")]
                fields += codes.means[(row * z)..<((row + 1) * z)].map(\.description)
                if logvar, let logVariances = codes.logVariances {
                    fields += logVariances[(row * z)..<((row + 1) * z)].map(\.description)
                }
                text += fields.joined(separator: ",") + "\n"
            }
            return text
        }

        /// A CSV field as RFC 4180 writes it: quoted, with quotes doubled, when it holds a comma, quote or newline.
        static func csvField(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }
}
