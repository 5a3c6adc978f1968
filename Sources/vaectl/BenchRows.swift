import VAEClient
import VAEJSON
import VAEProtocol

extension Vaectl.Bench {
    /// encode or denoise params for a table model: `images` rows of its width, from a CSV `--input` (its first rows,
    /// repeated from the top when it has fewer) or synthetic.
    func rowParams(_ described: ModelDescription) throws -> JSONValue {
        if payload != nil {
            throw Failure(
                .usage,
                "--payload says how images travel; model '\(described.name)' is a table model, whose rows "
                    + "travel as numbers")
        }
        var rows = BenchRequest.syntheticRows(count: images, width: described.width)
        if let input {
            guard isTableFile(input) else {
                throw Failure(
                    .usage,
                    "model '\(described.name)' is a table model; --input takes a CSV file (FILE.csv) of its "
                        + "rows, not \(input)")
            }
            let read = try TableFiles.read(
                [input], width: described.width, features: described.features, model: described.name,
                drop: drop.columns)
            rows = (0..<images).map { read[$0 % read.count].values }
        } else if !drop.columns.isEmpty {
            throw Failure(.usage, "--drop-column is for a CSV --input")
        }
        return method == .encode
            ? EncodeParams(model: model.model, rows: rows).json : DenoiseParams(model: model.model, rows: rows).json
    }

    /// Whether the request carries a table model's rows rather than images.
    func sendsRows(_ params: JSONValue?) -> Bool { params?["rows"] != nil }
}
