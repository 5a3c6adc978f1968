import ArgumentParser
import VAEClient

/// Columns of CSV inputs to leave out, for the commands that send a table model's rows.
struct DropColumnOption: ParsableArguments {
    @Option(
        name: .customLong("drop-column"),
        help: "A column of the CSV files to leave out, such as a label (repeatable).")
    var columns: [String] = []
}

/// A table file by its name: `.csv` in any case.
func isTableFile(_ path: String) -> Bool { path.lowercased().hasSuffix(".csv") }

extension Session {
    /// The rows of CSV `files` for the model they will run on, its header (after `drop`), and the most rows a
    /// request may carry.
    /// - Throws: `Failure` (usage) when a file is not CSV or the model takes images; `InputError` for a header that
    ///   is not the model's, a row of the wrong width or a cell that is not a number.
    func fitRows(_ files: [String], model name: String?, drop: [String]) throws
        -> (model: ModelDescription, rows: [InputRow], columns: [String], maxBatch: Int)
    {
        if let other = files.first(where: { !isTableFile($0) }) {
            throw Failure(.usage, "\(other) is not a CSV file; a table model's inputs are all CSV files")
        }
        let described = try model(name)
        guard described.isTable else {
            throw Failure(.usage, "model '\(described.name)' takes images, not CSV tables")
        }
        let rows = try TableFiles.read(
            files, width: described.width, features: described.features, model: described.name, drop: drop)
        // Checked against the model by `read`, so the first file's header names every file's columns.
        let columns = try described.features ?? TableFiles.columns(of: files[0], drop: drop)
        return (described, rows, columns, try hello().maxBatch)
    }
}

/// Refuses the image options a command was given with CSV inputs.
func checkTableOptions(index: String?, resize: Bool) throws {
    if index != nil { throw Failure(.usage, "--index picks images of IDX files, not rows of CSV files") }
    if resize { throw Failure(.usage, "--resize scales images; CSV rows have no size to scale") }
}
