import ArgumentParser
import VAEAnalysis
import VAEData
import VAEFiles

extension VAECommand {
    struct Embed: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the latent code of every item: mu (and logvar) as CSV or .npy.",
            discussion: """
                Encodes the model's data (clean, in order; only the model's class if it was trained on one): the \
                test split, the training split or both (--split), from the dataset the model records — for your \
                own data, the file or folder it was trained on, read and split again the same way (--data names \
                where it is now). One row per item. CSV: item (its file name or row for your own data, else its \
                index in the split), split, label, class (its name), mu_0 … mu_{z−1} and, with --logvar, logvar_0 … \
                (a VAE's; an AE has none). .npy: float32 [N, z], or [N, 2z] with --logvar (mu first), for \
                numpy.load; names and labels are in the CSV form only.
                """
        )

        @OptionGroup var input: AnalysisInputOptions

        @Option(name: .shortAndLong, help: "The file to write: .csv or .npy.")
        var output: String

        @Flag(help: "Also write logvar (VAE only).")
        var logvar = false

        enum Split: String, ExpressibleByArgument, CaseIterable {
            case test, train, all
        }

        @Option(help: "Which items: the test split, the training split, or both (training first).")
        var split: Split = .test

        func run() throws {
            try AnalysisArguments.checkOutput(output, extensions: [".csv", ".npy"])
            let model = try input.loadModel()
            if logvar && model.architecture.kind != .vae {
                throw userError("--logvar: an AE has no logvar (its code is z = mu); leave the flag out")
            }
            var parts: [(name: String, items: Dataset)] = []
            if split == .test {
                parts = [("test", try input.testSet(of: model))]
            } else {
                let sets = try AnalysisArguments.analysis { () throws(AnalysisError) in
                    try model.trainingAndTestSets(dataset: input.dataset, directory: input.data, limit: input.limit)
                }
                parts = split == .train ? [("train", sets.training)] : [("train", sets.training), ("test", sets.test)]
            }
            let encoded = parts.map { (name: $0.name, items: $0.items,
                                       codes: EncodedSet(network: model.network, dataset: $0.items, threads: input.threads)) }
            let bytes: [UInt8]
            if output.lowercased().hasSuffix(".npy") {
                bytes = Self.npy(encoded.map(\.codes), logvar: logvar)
            } else {
                var text = Self.csvHeader(zDim: model.zDim, logvar: logvar)
                for part in encoded {
                    text += Self.csvRows(part.codes, split: part.name, names: part.items.itemNames,
                                         labels: part.items.labels, logvar: logvar, classNames: input.classNames(of: model))
                }
                bytes = Array(text.utf8)
            }
            try AnalysisArguments.write(output) { () throws(DataError) in try Files.writeAtomically(bytes, to: output) }
        }

        static func npy(_ parts: [EncodedSet], logvar: Bool) -> [UInt8] {
            let zDim = parts.first?.zDim ?? 0, width = logvar ? 2 * zDim : zDim
            var values: [Float] = []
            for codes in parts {
                for row in 0..<codes.count {
                    values += codes.means[(row * zDim)..<((row + 1) * zDim)]
                    if logvar, let logVariances = codes.logVariances {
                        values += logVariances[(row * zDim)..<((row + 1) * zDim)]
                    }
                }
            }
            return NPYWriter.float32(values, shape: [values.count / max(width, 1), width])
        }

        static func csvHeader(zDim: Int, logvar: Bool) -> String {
            var header = ["item", "split", "label", "class"] + (0..<zDim).map { "mu_\($0)" }
            if logvar { header += (0..<zDim).map { "logvar_\($0)" } }
            return header.joined(separator: ",") + "\n"
        }

        /// One line per item; an unlabelled item has empty label and class fields.
        static func csvRows(
            _ codes: EncodedSet, split: String, names: [String]?, labels: [UInt8]?, logvar: Bool, classNames: [String]
        ) -> String {
            let z = codes.zDim
            var text = ""
            for row in 0..<codes.count {
                let label = labels.map { Int($0[row]) }
                var fields = [csvField(names?[row] ?? String(row)), split, label.map(String.init) ?? "",
                              csvField(label.map { $0 < classNames.count ? classNames[$0] : "" } ?? "")]
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
