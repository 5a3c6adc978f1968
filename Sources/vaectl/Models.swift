import ArgumentParser
import VAEClient
import VAEJSON

extension Vaectl {
    struct Models: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the loaded models: kind, latent size, image size, layers, weights and file.",
            discussion: "--json prints the daemon's models result.")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var format: JSONOption
        var json: Bool { format.json }

        func run() throws {
            let session = try Session(connection)
            let result = try session.call(.models)
            if json { return printJSON(result) }
            let models = try ModelDescription.list(result: result, path: session.connection.path)
            guard !models.isEmpty else { return print("no models loaded") }
            var rows = [["NAME", "KIND", "Z", "IMAGE", "HIDDEN", "DTYPE", "DATASET", "FILE"]]
            for model in models {
                let entry = model.json
                let hidden = entry["hidden"]?.arrayValue?.compactMap(\.integerValue).map(String.init).joined(
                    separator: ",")
                rows.append([
                    model.name, model.kind, String(model.zDim), "\(model.height)×\(model.width)",
                    hidden.map { $0.isEmpty ? "none" : $0 } ?? "?", entry["file"]?["dtype"]?.stringValue ?? "?",
                    entry["dataset"]?.stringValue ?? "-", entry["file"]?["path"]?.stringValue.map(Self.tidy) ?? "?",
                ])
            }
            print(Table(rows: rows).text)
        }

        /// A path for people: `models//digits.vaez` (a daemon given `--model-dir models/`) as `models/digits.vaez`.
        static func tidy(_ path: String) -> String {
            var tidied = ""
            for character in path where !(character == "/" && tidied.hasSuffix("/")) { tidied.append(character) }
            return tidied
        }
    }
}
