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
            var rows = [["NAME", "KIND", "Z", "INPUT", "HIDDEN", "DTYPE", "DATASET", "FILE"]]
            for model in models {
                let entry = model.json
                let hidden = entry["hidden"]?.arrayValue?.compactMap(\.integerValue).map(String.init).joined(
                    separator: ",")
                rows.append([
                    model.name, model.kind, String(model.zDim), Self.input(of: model),
                    hidden.map { $0.isEmpty ? "none" : $0 } ?? "?", entry["file"]?["dtype"]?.stringValue ?? "?",
                    entry["dataset"]?.stringValue ?? "-", entry["file"]?["path"]?.stringValue.map(Self.tidy) ?? "?",
                ])
            }
            print(Table(rows: rows).text)
        }

        /// What the model reads: `28×28` (grey), `32×32×3` (RGB), or `5 values` (a table's rows).
        static func input(of model: ModelDescription) -> String {
            if model.isTable { return "\(model.width) values" }
            return "\(model.height)×\(model.width)" + (model.channels == 1 ? "" : "×\(model.channels)")
        }

        /// A path for people: `models//digits.vaez` (a daemon given `--model-dir models/`) as `models/digits.vaez`.
        static func tidy(_ path: String) -> String {
            var tidied = ""
            for character in path where !(character == "/" && tidied.hasSuffix("/")) { tidied.append(character) }
            return tidied
        }
    }
}
