import ArgumentParser
import Foundation
import VAEAnalysis
import VAEData
import VAEFiles
import VAENumerics

/// What every analysis command takes: the model, where its test images are, how many, and threads.
struct AnalysisInputOptions: ParsableArguments {
    @Argument(help: "A .vaez model, or a training output folder (its model.vaez).")
    var model: String

    @Option(name: .customLong("data"), help: "Where the model's data is: the folder with the dataset's IDX files (default: data/mnist or /usr/share/datasets/fashion-mnist), or for your own data the file or folder it was trained on, if it has moved (default: the path the model records).")
    var data: String?

    @Option(help: "The dataset, for a model that does not record one (default: the model's).")
    var dataset: DatasetKind?

    @Option(help: "Use only the first N test images (of the model's class, if it was trained on one).")
    var limit: Int?

    // Optional, so the help says "all cores" instead of adding this machine's count as a second default.
    @Option(name: .customLong("threads"), help: "Threads for GEMM (default: all cores).")
    var threadOption: Int?

    var threads: Int { threadOption ?? ProcessInfo.processInfo.activeProcessorCount }

    /// Reads and verifies the model, and sets the thread count.
    func loadModel() throws -> StudiedModel {
        guard threads >= 1 else { throw userError("--threads must be at least 1 (got \(threads))") }
        GEMM.setThreadCount(threads)
        let file = try ModelFiles.read(model)
        do {
            return try StudiedModel(file: file)
        } catch {
            throw userError("\(model): \(error)")
        }
    }

    /// The model's test images, as the options select them.
    func testSet(of studied: StudiedModel) throws -> Dataset {
        try AnalysisArguments.analysis { () throws(AnalysisError) in
            try studied.testSet(dataset: dataset, directory: data, limit: limit)
        }
    }

    /// The class names of the model's dataset.
    func classNames(of studied: StudiedModel) -> [String] {
        studied.classNames(dataset: dataset)
    }
}

/// Parsing and checking of the small values analysis options take.
enum AnalysisArguments {
    /// `"0,1"` → [0, 1].
    static func integers(_ text: String, option: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        return try parts.map { part in
            guard let value = Int(part) else { throw userError("\(option) takes whole numbers separated by commas (got '\(text)')") }
            return value
        }
    }

    /// `"-3,3"` → (-3, 3).
    static func range(_ text: String, option: String) throws -> (Double, Double) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let low = parts[0], let high = parts[1], low.isFinite, high.isFinite, low < high else {
            throw userError("\(option) takes two numbers, the lower first, like -3,3 (got '\(text)')")
        }
        return (low, high)
    }

    /// Checks that `path` ends in one of `extensions` (".png", ".svg").
    static func checkOutput(_ path: String, extensions: [String]) throws {
        let lower = path.lowercased()
        guard extensions.contains(where: { lower.hasSuffix($0) }) else {
            throw userError("-o \(path): the file name must end in \(extensions.joined(separator: " or "))")
        }
    }

    /// Checks that `-o` suits what the model decodes to: a figure (.png or .svg) of an image model, a .csv of a
    /// table model's decoded rows (pictures of feature values would mean nothing).
    ///
    /// - Returns: whether the output is a table of decoded rows.
    static func checkDecodedOutput(_ path: String, for model: StudiedModel) throws -> Bool {
        let isCSV = path.lowercased().hasSuffix(".csv")
        if model.isTable && !isCSV {
            throw userError(
                "-o \(path): a table model decodes to rows of \(model.architecture.input.pixelCount) values, "
                    + "not images; write them as a table with -o NAME.csv")
        }
        if !model.isTable && isCSV {
            throw userError("-o \(path): .csv is for table models; an image model's figure is .png or .svg")
        }
        return isCSV
    }

    /// Writes a table model's decoded rows as CSV.
    static func write(_ rows: DecodedRows, to path: String) throws {
        try write(path) { () throws(DataError) in try Files.writeAtomically(Array(rows.csv.utf8), to: path) }
    }

    /// Runs an analysis step, turning its error (a bad choice of options for this model or data) into a user error.
    static func analysis<Value>(_ body: () throws(AnalysisError) -> Value) throws -> Value {
        do { return try body() } catch { throw userError(error.description) }
    }

    /// Runs a file write, turning its error into a user error.
    static func write(_ path: String, _ body: () throws(DataError) -> Void) throws {
        do { try body() } catch { throw userError("\(path): \(error)") }
        print("wrote \(path)")
    }
}
