import Foundation
import VAEData
import VAEModel

/// `--lr-schedule`: how Adam's learning rate moves over a run.
package enum LearningRateSchedule: String, Sendable, Codable, CaseIterable {
    /// `--lr` throughout.
    case constant
    /// From `--lr` down a half cosine to 0 at the run's last batch (Loshchilov & Hutter's SGDR without restarts).
    case cosine
}

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
    /// The reconstruction term: Bernoulli (BCE, sigmoid output) or Gaussian; nil follows the data (`likelihood(for:)`).
    package var likelihood: Likelihood? = nil
    /// A Gaussian decoder's fixed σ²; nil fits it to every batch (`DecoderVariance.fitted`).
    package var variance: Float? = nil
    /// With a fitted σ²: the end of a floor under it that falls geometrically from 1 (standardised data's variance)
    /// to this value over the run, batch by batch (`DecoderVariance.fittedAtLeast`); nil for no floor.
    package var varianceFloor: Float? = nil
    /// β, the weight of the KL term (1: the ELBO).
    package var beta: Float = 1
    /// Epochs over which the KL weight rises linearly from 0 to β, batch by batch (0: β from the start).
    package var klWarmupEpochs: Int = 0
    /// How the learning rate moves over the run: held, or decayed along a half cosine to 0 at the last batch.
    package var learningRateSchedule: LearningRateSchedule = .constant

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
        guard beta.isFinite, beta >= 0 else { throw fail("--beta must be a number ≥ 0 (got \(beta))") }
        guard klWarmupEpochs >= 0 else { throw fail("--kl-warmup must be 0 or more epochs (got \(klWarmupEpochs))") }
        if let varianceFloor {
            guard likelihood != .bernoulli else { throw fail("--variance-floor is for --likelihood gaussian") }
            guard variance == nil else { throw fail("--variance-floor is for a fitted variance; leave out --variance") }
            guard varianceFloor.isFinite, varianceFloor > 0, varianceFloor <= 1 else {
                throw fail("--variance-floor must be in (0, 1] (got \(varianceFloor))")
            }
        }
        if let variance {
            guard likelihood != .bernoulli else { throw fail("--variance is for --likelihood gaussian") }
            guard variance.isFinite, variance > 0 else { throw fail("--variance must be a positive number (got \(variance))") }
        }
    }

    /// The likelihood for `layout`'s data: the one asked for, else Gaussian for a table (standardised values are not
    /// probabilities) and Bernoulli for images.
    /// - Throws: when the choice cannot work: Bernoulli for a table, or a fixed variance without a Gaussian.
    package func likelihood(for layout: DatasetLayout) throws(TrainingError) -> Likelihood {
        let chosen = likelihood ?? (layout == .table ? .gaussian : .bernoulli)
        if chosen == .bernoulli && layout == .table {
            throw TrainingError("--likelihood bernoulli needs values in [0, 1], and a table's are standardised; leave it out (a table is Gaussian)")
        }
        if chosen == .bernoulli && variance != nil {
            throw TrainingError("--variance is for a Gaussian likelihood; add --likelihood gaussian or leave it out")
        }
        return chosen
    }

    /// How a Gaussian decoder's σ² is set for the given batch of an epoch (both counted from 1): fixed, fitted, or
    /// fitted above the falling floor.
    package func decoderVariance(epoch: Int, batch: Int, batchesPerEpoch: Int) -> DecoderVariance {
        if let variance { return .fixed(variance) }
        guard let varianceFloor else { return .fitted }
        let progress = Double((epoch - 1) * batchesPerEpoch + batch - 1) / Double(epochs * batchesPerEpoch)
        return .fittedAtLeast(Float(pow(Double(varianceFloor), min(1, progress))))
    }

    /// Adam's learning rate for the given batch of an epoch (both counted from 1): `learningRate`, or for a cosine
    /// schedule `learningRate · (1 + cos(π · s / S)) / 2` after s of the run's S batches.
    package func learningRate(epoch: Int, batch: Int, batchesPerEpoch: Int) -> Float {
        guard learningRateSchedule == .cosine else { return learningRate }
        let progress = Double((epoch - 1) * batchesPerEpoch + batch - 1) / Double(epochs * batchesPerEpoch)
        return Float(Double(learningRate) * (1 + cos(Double.pi * min(1, progress))) / 2)
    }

    /// The KL weight for the given batch of an epoch (both counted from 1): β, or on the warm-up's way to it.
    package func klWeight(epoch: Int, batch: Int, batchesPerEpoch: Int) -> Float {
        guard klWarmupEpochs > 0 else { return beta }
        let done = Double((epoch - 1) * batchesPerEpoch + batch), warmup = Double(klWarmupEpochs * batchesPerEpoch)
        return beta * Float(min(1, done / warmup))
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
    package func resumeMismatches(against saved: TrainingConfiguration) -> [String] {
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
            ("--likelihood", likelihood?.rawValue, saved.likelihood?.rawValue, likelihood != saved.likelihood),
            ("--variance", variance, saved.variance, variance != saved.variance),
            ("--variance-floor", varianceFloor, saved.varianceFloor, varianceFloor != saved.varianceFloor),
            ("--beta", beta, saved.beta, beta != saved.beta),
            ("--kl-warmup", klWarmupEpochs, saved.klWarmupEpochs, klWarmupEpochs != saved.klWarmupEpochs),
            ("--lr-schedule", learningRateSchedule.rawValue, saved.learningRateSchedule.rawValue,
             learningRateSchedule != saved.learningRateSchedule),
            // A cosine schedule is laid over the run's epochs: more of them would change every step already taken.
            ("--epochs", epochs, saved.epochs, learningRateSchedule == .cosine && epochs != saved.epochs),
        ]
        return pairs.filter(\.differ).map { "\($0.flag) \(describe($0.here)) here, \(describe($0.saved)) in the checkpoint" }
    }
}

/// A training problem, with a message for the user.
package struct TrainingError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}

// Checkpoints written before the own-data, likelihood, β and warm-up settings existed lack their keys: they mean
// the defaults.
extension TrainingConfiguration {
    enum CodingKeys: String, CodingKey {
        case dataset, dataDirectory, kind, hidden, zDim, epochs, batchSize, learningRate, seed, noise, classFilter
        case limit, logInterval, threads, outputDirectory, data, channels, resize, testFraction, labelColumn
        case likelihood, variance, varianceFloor, beta, klWarmupEpochs, learningRateSchedule
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            dataset: try c.decode(String.self, forKey: .dataset),
            dataDirectory: try c.decodeIfPresent(String.self, forKey: .dataDirectory),
            kind: try c.decode(Architecture.Kind.self, forKey: .kind), hidden: try c.decode([Int].self, forKey: .hidden),
            zDim: try c.decode(Int.self, forKey: .zDim), epochs: try c.decode(Int.self, forKey: .epochs),
            batchSize: try c.decode(Int.self, forKey: .batchSize),
            learningRate: try c.decode(Float.self, forKey: .learningRate), seed: try c.decode(UInt64.self, forKey: .seed),
            noise: try c.decode(Float.self, forKey: .noise),
            classFilter: try c.decodeIfPresent(Int.self, forKey: .classFilter),
            limit: try c.decodeIfPresent(Int.self, forKey: .limit), logInterval: try c.decode(Int.self, forKey: .logInterval),
            threads: try c.decode(Int.self, forKey: .threads),
            outputDirectory: try c.decode(String.self, forKey: .outputDirectory),
            data: try c.decodeIfPresent(String.self, forKey: .data),
            channels: try c.decodeIfPresent(Int.self, forKey: .channels),
            resize: try c.decodeIfPresent(DataSource.Size.self, forKey: .resize),
            testFraction: try c.decodeIfPresent(Double.self, forKey: .testFraction),
            labelColumn: try c.decodeIfPresent(String.self, forKey: .labelColumn))
        likelihood = try c.decodeIfPresent(Likelihood.self, forKey: .likelihood)
        variance = try c.decodeIfPresent(Float.self, forKey: .variance)
        varianceFloor = try c.decodeIfPresent(Float.self, forKey: .varianceFloor)
        beta = try c.decodeIfPresent(Float.self, forKey: .beta) ?? 1
        klWarmupEpochs = try c.decodeIfPresent(Int.self, forKey: .klWarmupEpochs) ?? 0
        learningRateSchedule = try c.decodeIfPresent(LearningRateSchedule.self, forKey: .learningRateSchedule) ?? .constant
    }
}
