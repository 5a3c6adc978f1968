import ArgumentParser
import Foundation
import VAEFormat
import VAEJSON

extension VAECommand {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what a .vaez file holds: architecture, training record, latent statistics, tensors.",
            discussion: "The file is fully verified first; a damaged file is an error naming the broken rule."
        )

        @Argument(help: "A .vaez file, or a training output folder.")
        var file: String

        @Flag(help: "Print JSON for machines: file facts, the metadata object, and a tensor table.")
        var json = false

        func run() throws {
            let model = try ModelFiles.read(file)
            if json {
                print(String(decoding: try jsonReport(model), as: UTF8.self))
            } else {
                print(try textReport(model))
            }
        }

        func jsonReport(_ model: VAEZFile) throws -> [UInt8] {
            var w = JSONWriter(capacity: 4096)
            w.raw("{\"file\":{\"path\":")
            w.string(file)
            w.raw(",\"bytes\":")
            w.int(model.fileSize)
            w.raw(",\"sha256\":")
            w.string(model.fileSHA256)
            w.raw(",\"content_sha256\":")
            w.string(model.contentSHA256)
            w.raw(",\"format_version\":")
            w.string(model.version.description)
            w.raw(",\"dtype\":")
            w.string(model.weightDType.description)
            w.raw("},\"metadata\":")
            w.raw(String(decoding: try model.metadata.canonicalJSON(), as: UTF8.self))
            w.raw(",\"tensors\":[")
            for (i, tensor) in model.tensors.enumerated() {
                if i > 0 { w.raw(",") }
                w.raw("{\"name\":")
                w.string(tensor.name)
                w.raw(",\"dtype\":")
                w.string(tensor.dtype.description)
                w.raw(",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"codec\":")
                w.string(tensor.section.codec == SectionEntry.codecZstd ? "zstd" : "none")
                w.raw(",\"stored_bytes\":\(tensor.section.storedLength),\"raw_bytes\":\(tensor.section.rawLength)}")
            }
            w.raw("]}")
            return w.bytes
        }

        func textReport(_ model: VAEZFile) throws -> String {
            let m = model.metadata, a = m.architecture, t = m.training
            func optional<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "–" }
            let sizes = ([a.input.height * a.input.width * a.input.channels] + a.hidden).map(String.init).joined(separator: "-")
            let stored = model.tensors.reduce(0) { $0 + Int($1.section.storedLength) }
            let raw = model.tensors.reduce(0) { $0 + Int($1.section.rawLength) }
            let input = m.data?.kind == .table
                ? "input \(a.input.width) values (a table row)"
                : "input \(a.input.height)×\(a.input.width)×\(a.input.channels)"
            var lines = [
                "\(file): .vaez \(model.version), \(model.fileSize) bytes, \(model.weightDType)",
                "sha256     \(model.fileSHA256)",
                "model      \(a.kind.rawValue) \(sizes)-z\(a.zDim)",
                "           \(input), \(a.activation) hidden, \(a.outputActivation) output",
            ]
            for (i, line) in Self.dataLines(m, width: 80 - 11).enumerated() {
                lines.append((i == 0 ? "data" : "").padding(toLength: 11, withPad: " ", startingAt: 0) + line)
            }
            lines += [
                // The dataset's digest in full is in --json; its start tells datasets apart within 80 columns.
                "training   dataset \(optional(t.dataset.name)) (sha256 \(t.dataset.sha256.map { $0.prefix(12) + "…" } ?? "–")), class \(optional(t.classLabel)), noise \(optional(t.noise))",
                "           \(Self.counted(t.epochs, "epoch")), batch \(optional(t.batchSize)), lr \(optional(t.lr)), seed \(optional(t.seed)), \(Self.counted(t.threads, "thread")), \(t.seconds.map { String(format: "%.1f s", $0) } ?? "–")",
                "           final train loss \(optional(t.finalTrainLoss)), test loss \(optional(t.finalTestLoss))",
                "latent     mean \(preview(m.latent.mean)) std \(preview(m.latent.std))",
                "producer   \(m.producer.name) \(m.producer.version)\(m.producer.gitCommit.map { " (\($0))" } ?? ""), created \(m.created)",
                "tensors    \(model.tensors.count), \(raw) bytes raw, \(stored) stored (\(String(format: "%.3f", Double(stored) / Double(max(raw, 1)))))",
            ]
            let width = model.tensors.map(\.name.count).max() ?? 4
            for tensor in model.tensors {
                let codec = tensor.section.codec == SectionEntry.codecZstd ? "zstd" : "raw"
                lines.append("  \(tensor.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(tensor.dtype.description.padding(toLength: 4, withPad: " ", startingAt: 0))  \(tensor.shape.map(String.init).joined(separator: "×").padding(toLength: 9, withPad: " ", startingAt: 0))  \(codec) \(tensor.section.storedLength)/\(tensor.section.rawLength)")
            }
            return lines.joined(separator: "\n")
        }

        /// "1 epoch", "30 epochs", "– epochs" when unrecorded.
        static func counted(_ count: Int?, _ noun: String) -> String {
            guard let count else { return "– \(noun)s" }
            return "\(count) \(noun)\(count == 1 ? "" : "s")"
        }

        /// The data description (format 1.1) in one or two lines of at most `width` columns, names abbreviated to fit.
        static func dataLines(_ metadata: ModelMetadata, width: Int) -> [String] {
            guard let data = metadata.data else { return ["image, bernoulli (not recorded: the 1.0 default)"] }
            var first = "\(data.kind.rawValue), \(data.likelihood.rawValue)"
            if let variance = data.variance { first += String(format: " (variance %g)", variance) }
            first += data.normalisation == nil ? ", not normalised" : ", normalised"
            if let classes = data.classes { first += ", " + names(classes, "classes", width: width - first.count - 2) }
            return [first] + (data.features.map { [names($0, "features", width: width)] } ?? [])
        }

        /// "3 classes: a, b, c", cut to "3 classes: a, …" when longer than `width` columns.
        static func names(_ names: [String], _ what: String, width: Int) -> String {
            let label = "\(names.count) \(what)"
            guard !names.isEmpty else { return label }
            let whole = "\(label): " + names.joined(separator: ", ")
            guard whole.count > width else { return whole }
            var shown: [String] = []
            for name in names {
                guard "\(label): \((shown + [name, "…"]).joined(separator: ", "))".count <= width else { break }
                shown.append(name)
            }
            return "\(label): " + (shown + ["…"]).joined(separator: ", ")
        }

        func preview(_ values: [Double]) -> String {
            let shown = values.prefix(4).map { String(format: "%.3f", $0) }.joined(separator: ", ")
            return "[\(shown)\(values.count > 4 ? ", … (\(values.count))" : "")]"
        }
    }
}
