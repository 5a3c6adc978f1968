import VAEData
import VAEModel

/// Everything that determines a training run. Two runs with equal configurations (and thread counts) give
/// bit-identical results.
package struct TrainingConfiguration: Sendable, Codable, Equatable {
    /// The dataset's name: one `DatasetKind` knows, or (with `data`) the name of the user's file or folder.
    package var dataset: String
    package var dataDirectory: String?
    /// The user's own data (`--data`): a folder of images, an .npy, .npz or .csv file; nil for a known dataset.
    package var data: String?
    /// How to read `data` (`--channels`, `--resize`, `--test-fraction`, `--label-column`); the seed is `seed`.
    package var channels: Int?
    package var resize: DataSource.Size?
    package var testFraction: Double?
    package var labelColumn: String?
    package var kind: Architecture.Kind
    package var hidden: [Int]
    package var zDim: Int
    package var epochs: Int
    package var batchSize: Int
    package var learningRate: Float
    package var seed: UInt64
    package var noise: Float
    package var classFilter: Int?
    /// Keep only the first N training and test images (for quick runs and tests).
    package var limit: Int?
    package var logInterval: Int
    package var threads: Int
    package var outputDirectory: String

    package init(
        dataset: String = DatasetKind.fashionMNIST.rawValue, dataDirectory: String? = nil,
        kind: Architecture.Kind = .vae, hidden: [Int] = [400, 256, 128], zDim: Int = 10, epochs: Int = 15,
        batchSize: Int = 128, learningRate: Float = 1e-3, seed: UInt64 = 1, noise: Float = 0,
        classFilter: Int? = nil, limit: Int? = nil, logInterval: Int = 100, threads: Int = 1,
        outputDirectory: String, data: String? = nil, channels: Int? = nil, resize: DataSource.Size? = nil,
        testFraction: Double? = nil, labelColumn: String? = nil
    ) {
        self.dataset = dataset
        self.dataDirectory = dataDirectory
        self.data = data
        self.channels = channels
        self.resize = resize
        self.testFraction = testFraction
        self.labelColumn = labelColumn
        self.kind = kind
        self.hidden = hidden
        self.zDim = zDim
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
        self.noise = noise
        self.classFilter = classFilter
        self.limit = limit
        self.logInterval = logInterval
        self.threads = threads
        self.outputDirectory = outputDirectory
    }

    /// The default output folder: `models/<dataset>/<vae|ae>/<noise>`; with `--data`, `<dataset>` is the data's name
    /// (`dataName(of:)`).
    package static func defaultOutputDirectory(dataset: String, kind: Architecture.Kind, noise: Float) -> String {
        "models/\(dataset)/\(kind.rawValue)/\(noise)"
    }

    /// Checks every value; the message names the first bad one.
    package func validate() throws(TrainingError) {
        func fail(_ message: String) -> TrainingError { TrainingError(message) }
        if data != nil {
            guard dataDirectory == nil else { throw fail("--data cannot be combined with --data-dir") }
        } else {
            guard DatasetKind(argument: dataset) != nil else {
                throw fail("unknown dataset '\(dataset)' (expected mnist or fashion-mnist)")
            }
            let dataOptions = [("--channels", channels != nil), ("--resize", resize != nil),
                               ("--test-fraction", testFraction != nil), ("--label-column", labelColumn != nil)]
            if let option = dataOptions.first(where: \.1) {
                throw fail("\(option.0) applies to --data only (your own files), not to --dataset")
            }
        }
        guard zDim >= 1 else { throw fail("--z-dim must be at least 1 (got \(zDim))") }
        guard epochs >= 1 else { throw fail("--epochs must be at least 1 (got \(epochs))") }
        guard batchSize >= 1 else { throw fail("--batch-size must be at least 1 (got \(batchSize))") }
        guard learningRate.isFinite, learningRate > 0 else { throw fail("--lr must be a positive number (got \(learningRate))") }
        guard noise.isFinite, (0...1).contains(noise) else { throw fail("--noise must be in [0, 1] (got \(noise))") }
        guard hidden.allSatisfy({ $0 >= 1 }) else { throw fail("--hidden sizes must be at least 1 (got \(hidden))") }
        guard logInterval >= 1 else { throw fail("--log-interval must be at least 1 (got \(logInterval))") }
        guard threads >= 1 else { throw fail("--threads must be at least 1 (got \(threads))") }
        if let classFilter, !(0...255).contains(classFilter) {
            throw fail("--class must be a label from 0 to 255 (got \(classFilter))")
        }
        if let limit, limit < 1 { throw fail("--limit must be at least 1 (got \(limit))") }
    }

    /// The name a `--data` path gives its dataset and default output folder: the file's name without its extension,
    /// or the folder's name.
    package static func dataName(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        var name = trimmed.split(separator: "/").last.map(String.init) ?? String(trimmed)
        if let dot = name.lastIndex(of: "."), dot != name.startIndex,
            ["npy", "npz", "csv"].contains(name[name.index(after: dot)...].lowercased())
        {
            name = String(name[..<dot])
        }
        return name
    }

    /// The settings that must not change when resuming but do (epochs may grow; threads, logging and folders may
    /// change), each as "--flag X here, Y in the checkpoint"; empty when `saved` can be resumed.
    func resumeMismatches(against saved: TrainingConfiguration) -> [String] {
        func describe(_ value: Any?) -> String {
            switch value {
            case nil: "none"
            case let list as [Int]: list.map(String.init).joined(separator: ",")
            case let some?: "\(some)"
            }
        }
        let pairs: [(flag: String, here: Any?, saved: Any?, differ: Bool)] = [
            ("--dataset", dataset, saved.dataset, dataset != saved.dataset),
            ("--data", data, saved.data, data != saved.data),
            ("--channels", channels, saved.channels, channels != saved.channels),
            ("--resize", resize, saved.resize, resize != saved.resize),
            ("--test-fraction", testFraction, saved.testFraction, testFraction != saved.testFraction),
            ("--label-column", labelColumn, saved.labelColumn, labelColumn != saved.labelColumn),
            ("--model", kind.rawValue, saved.kind.rawValue, kind != saved.kind),
            ("--hidden", hidden, saved.hidden, hidden != saved.hidden),
            ("--z-dim", zDim, saved.zDim, zDim != saved.zDim),
            ("--batch-size", batchSize, saved.batchSize, batchSize != saved.batchSize),
            ("--lr", learningRate, saved.learningRate, learningRate != saved.learningRate),
            ("--seed", seed, saved.seed, seed != saved.seed),
            ("--noise", noise, saved.noise, noise != saved.noise),
            ("--class", classFilter, saved.classFilter, classFilter != saved.classFilter),
            ("--limit", limit, saved.limit, limit != saved.limit),
        ]
        return pairs.filter(\.differ).map { "\($0.flag) \(describe($0.here)) here, \(describe($0.saved)) in the checkpoint" }
    }
}

/// A training problem, with a message for the user.
package struct TrainingError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}
