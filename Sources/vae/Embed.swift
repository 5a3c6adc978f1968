import ArgumentParser
import VAEAnalysis
import VAEData
import VAEFiles

extension VAECommand {
    struct Embed: ParsableCommand {
        // One usage line per mode, each within 80 columns (argument-parser does not wrap its generated usage).
        static let configuration = CommandConfiguration(
            abstract: "Write the latent code of every item: mu (and logvar) as CSV or .npy.",
            usage: """
                vae embed <model> -o <codes.csv|.npy> [--split <split>] [--logvar]
                    [--data <dir>] [--dataset <dataset>] [--limit <n>] [--threads <n>]
                vae embed <model> <data> -o <codes.csv|.npy> [--logvar] [--limit <n>]
                    [--dataset <dataset>] [--threads <n>]
                """,
            discussion: """
                Without DATA, encodes the model's own data (clean, in order; only the model's class if it was \
                trained on one): the test split, the training split or both (--split), from the dataset the model \
                records — for your own data, the file or folder it was trained on, read and split again the same \
                way (--data names where it is now). --limit N keeps the first N items written.

                With DATA (a folder of PNG/JPEG images, an .npy, .npz or .csv file), encodes every item of it, in \
                order, out of sample: no split, no class filter, no new statistics. Images are converted to the \
                model's channels and, if it was trained with --resize, resampled to its size; otherwise every image \
                must have the model's size. A table's columns must be the model's features in its order (its label \
                column, when present, gives labels; it may be left out), and its rows are standardised with the \
                mean and std the model records. Class folders and label values are matched to the model's classes \
                by name: a class it does not know gets an empty label but keeps its name; an array's labels are \
                the model's label numbers. --limit keeps the first N items; --split and --data are refused.

                One row per item. CSV: item (its path inside the folder, its line in a .csv file, else its index), \
                split (train or test; with DATA: train or test when DATA has a test part of its own, a test/ \
                folder or an .npz's x_test, else -), label, class (its name), mu_0 … mu_{z−1} and, with --logvar, \
                logvar_0 … (a VAE's; an AE has none). .npy: float32 [N, z], or [N, 2z] with --logvar (mu first), \
                for numpy.load; names and labels are in the CSV form only.
                """
        )

        @OptionGroup var input: AnalysisInputOptions

        @Argument(help: ArgumentHelp(
            "New data to encode instead of the model's own: a folder of images, an .npy, .npz or .csv file.",
            valueName: "data"))
        var newData: String?

        @Option(name: .shortAndLong, help: "The file to write: .csv or .npy.")
        var output: String

        @Flag(help: "Also write logvar (VAE only).")
        var logvar = false

        enum Split: String, ExpressibleByArgument, CaseIterable {
            case test, train, all
        }

        // Optional, so that giving it with DATA (which has no split to choose) is refused rather than ignored.
        @Option(help: "Which items: the test split, the training split, or both (training first). (default: test)")
        var split: Split?

        func run() throws {
            try AnalysisArguments.checkOutput(output, extensions: [".csv", ".npy"])
            if let limit = input.limit, limit < 1 { throw userError("--limit must be at least 1 (got \(limit))") }
            if newData != nil { try checkNewDataOptions() }
            let model = try input.loadModel()
            if logvar && model.architecture.kind != .vae {
                throw userError("--logvar: an AE has no logvar (its code is z = mu); leave the flag out")
            }
            let parts = try newData.map { try [newDataPart($0, model: model)] } ?? ownDataParts(model)
            let bytes: [UInt8]
            if output.lowercased().hasSuffix(".npy") {
                bytes = Self.npy(parts.map(\.codes), logvar: logvar)
            } else {
                var text = Self.csvHeader(zDim: model.zDim, logvar: logvar)
                for part in parts { text += Self.csvRows(part.codes, items: part.items, logvar: logvar) }
                bytes = Array(text.utf8)
            }
            try AnalysisArguments.write(output) { () throws(DataError) in try Files.writeAtomically(bytes, to: output) }
        }

        /// The model's test split, training split or both, as `--split` says.
        func ownDataParts(_ model: StudiedModel) throws -> [EncodedPart] {
            var sets: [(name: String, items: Dataset)] = []
            if (split ?? .test) == .test {
                sets = [("test", try input.testSet(of: model))]
            } else {
                let both = try AnalysisArguments.analysis { () throws(AnalysisError) in
                    try model.trainingAndTestSets(dataset: input.dataset, directory: input.data)
                }
                sets = split == .train ? [("train", both.training)] : [("train", both.training), ("test", both.test)]
                // --limit keeps the first N items written, whichever splits they come from.
                if let limit = input.limit {
                    var left = limit
                    sets = sets.compactMap { set in
                        let kept = set.items.prefix(left)
                        left -= kept.count
                        return kept.count > 0 ? (set.name, kept) : nil
                    }
                }
            }
            let classNames = input.classNames(of: model)
            return sets.map { set in
                EncodedPart(
                    codes: EncodedSet(network: model.network, dataset: set.items, threads: input.threads),
                    items: ItemFields.of(set.items, split: set.name, classNames: classNames))
            }
        }

        /// What the CSV says about one item besides its code.
        struct ItemFields {
            var name: String
            var split: String
            /// nil: unlabelled, or of a class the model does not know.
            var label: Int?
            var className: String

            /// The fields of `dataset`'s items: named by their names or else their index, classes by `classNames`.
            static func of(_ dataset: Dataset, split: String, classNames: [String]) -> [ItemFields] {
                (0..<dataset.count).map { row in
                    let label = dataset.labels.map { Int($0[row]) }
                    return ItemFields(
                        name: dataset.itemNames?[row] ?? String(row), split: split, label: label,
                        className: label.map { $0 < classNames.count ? classNames[$0] : "" } ?? "")
                }
            }
        }

        /// Items with their codes, in order.
        struct EncodedPart {
            var codes: EncodedSet
            var items: [ItemFields]
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
        static func csvRows(_ codes: EncodedSet, items: [ItemFields], logvar: Bool) -> String {
            let z = codes.zDim
            var text = ""
            for (row, item) in items.enumerated() {
                var fields = [item.name, item.split, item.label.map(String.init) ?? "", item.className]
                fields += codes.means[(row * z)..<((row + 1) * z)].map(\.description)
                if logvar, let logVariances = codes.logVariances {
                    fields += logVariances[(row * z)..<((row + 1) * z)].map(\.description)
                }
                text += CSVText.line(fields)
            }
            return text
        }
    }
}
