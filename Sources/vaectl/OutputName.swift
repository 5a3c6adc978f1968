import VAEClient

// vaectl writes a table model's results as CSV and an image model's as PNG, whatever -o is called. A name that
// promises the other format (ps.png holding CSV text, rows.csv holding a PNG) is refused before any request that
// produces results, and the advice for a missing -o names what the model's results are.

extension ImageOutputOptions {
    /// Refuses outputs that do not fit what `model` answers.
    /// - Parameters:
    ///   - results: the results, for messages: "decoded", "sampled", "denoised".
    ///   - required: whether something must be written (sample --json may print the codes alone for images).
    /// - Throws: `Failure` (usage), one line.
    func check(for model: ModelDescription, results: String, required: Bool = true) throws {
        if model.isTable { return try checkTable(model: model.name, results: results) }
        if let output, isTableFile(output) {
            throw Failure(
                .usage,
                "-o \(output): model '\(model.name)' is an image model; its images are written as PNG: "
                    + "give -o NAME.png (or --out-dir DIR)")
        }
        if isEmpty && required {
            throw Failure(.usage, "give -o FILE (a PNG grid) or --out-dir DIR for the \(results) images")
        }
    }

    /// A table model's rows go to one CSV file (or standard output), with no image options.
    func checkTable(model name: String, results: String) throws {
        let advice = "give -o FILE.csv (or -o - for standard output) for the \(results) rows"
        guard let output else {
            let not = outDir != nil ? ", not --out-dir" : ""
            throw Failure(.usage, "model '\(name)' is a table model: \(advice)\(not)")
        }
        if grid != nil {
            throw Failure(.usage, "model '\(name)' is a table model: \(advice), not --grid")
        }
        if output != "-" && !isTableFile(output) {
            throw Failure(
                .usage,
                "-o \(output): model '\(name)' is a table model; its rows are written as CSV: "
                    + "give -o NAME.csv (or -o -)")
        }
    }

    /// For commands with no model (noise): the images are PNG.
    func checkImages(command: String) throws {
        if let output, isTableFile(output) {
            throw Failure(
                .usage, "-o \(output): \(command) writes PNG images: give -o NAME.png (or --out-dir DIR)")
        }
    }
}
