import Foundation
import Logging
import VAECore
import VAEData
import VAEDataImport
import VAEFiles
import VAEModel
import VAENumerics

/// Where a training epoch is, reported after every batch.
package struct BatchProgress: Sendable {
    package var epoch: Int
    package var epochs: Int
    package var batch: Int
    package var batches: Int
    package var samplesDone: Int
    package var samplesTotal: Int
    /// Mean loss per sample over the epoch so far.
    package var runningLoss: Double
    package var elapsedSeconds: Double

    package var samplesPerSecond: Double { elapsedSeconds > 0 ? Double(samplesDone) / elapsedSeconds : 0 }
    /// Seconds left in this epoch, at this epoch's pace so far.
    package var etaSeconds: Double {
        samplesDone > 0 ? elapsedSeconds * Double(samplesTotal - samplesDone) / Double(samplesDone) : 0
    }
    /// Seconds left in the whole run: this epoch and the later ones at this epoch's pace (test evaluations,
    /// a small share, not counted).
    package var runEtaSeconds: Double {
        samplesDone > 0 ? etaSeconds + Double(epochs - epoch) * elapsedSeconds * Double(samplesTotal) / Double(samplesDone) : 0
    }

    package init(epoch: Int, epochs: Int, batch: Int, batches: Int, samplesDone: Int, samplesTotal: Int,
                runningLoss: Double, elapsedSeconds: Double) {
        self.epoch = epoch
        self.epochs = epochs
        self.batch = batch
        self.batches = batches
        self.samplesDone = samplesDone
        self.samplesTotal = samplesTotal
        self.runningLoss = runningLoss
        self.elapsedSeconds = elapsedSeconds
    }
}

/// A point inside a run: `batchesDone` of `batches` in `epoch` (0 done: the epoch has not started).
package struct TrainingPosition: Sendable, Equatable {
    package var epoch: Int
    package var batchesDone: Int
    package var batches: Int

    package init(epoch: Int, batchesDone: Int, batches: Int) {
        self.epoch = epoch
        self.batchesDone = batchesDone
        self.batches = batches
    }
}

/// Receives the trainer's progress (the command line draws it; tests record it).
package protocol TrainingObserver: AnyObject {
    func trainingBatchCompleted(_ progress: BatchProgress)
    func trainingEpochCompleted(_ metrics: EpochMetrics)
}

/// Trains a VAE or AE with Adam on an in-memory dataset, writing metrics, images and a checkpoint every epoch.
package final class Trainer {
    package let configuration: TrainingConfiguration
    package let data: DatasetSplit
    package let network: Network
    private(set) var history: [EpochMetrics] = []

    let optimizer: Adam
    let workspace: Workspace
    /// The clean batch (the target) and its corrupted copy (the input when training with noise).
    let batchTarget: FloatBuffer
    let batchCorrupted: FloatBuffer
    let evaluation: Evaluation
    let noise: NoiseCorruption
    let logger: Logger
    var random: RandomSource
    var epochsCompleted = 0
    /// The stopped epoch that `run` finishes first (from a mid-epoch checkpoint), or the one a stop just left.
    var epochInProgress: Checkpoint.EpochInProgress?
    /// A Gaussian decoder's σ² as of the last finished epoch: the mean of its batches' fitted variances (or the
    /// fixed one). The test loss is scored with it and the model file records it. Nil for Bernoulli.
    package private(set) var decoderVariance: Float?

    /// Where the last `run` stopped when asked to (its checkpoint holds this point); nil when it finished.
    package private(set) var interruption: TrainingPosition?

    /// The mid-epoch point that `run` continues from, after `resume()` read a checkpoint written by a stop.
    package var resumePosition: TrainingPosition? {
        epochInProgress.map { .init(epoch: $0.epoch, batchesDone: $0.batchesDone, batches: batchesPerEpoch) }
    }

    var batchesPerEpoch: Int { (data.train.count + configuration.batchSize - 1) / configuration.batchSize }

    /// Sets up a fresh run: validates the configuration, creates the output folder, initialises the weights.
    package init(configuration: TrainingConfiguration, data: DatasetSplit, logger: Logger) throws(TrainingError) {
        try configuration.validate()
        self.configuration = configuration
        self.data = data
        self.logger = logger
        do {
            noise = try NoiseCorruption(fraction: configuration.noise)
            try Files.makeDirectory(configuration.outputDirectory)
        } catch {
            throw TrainingError(error.description)
        }
        var architecture = Architecture(kind: configuration.kind, input: data.train.shape,
                                        hidden: configuration.hidden, zDim: configuration.zDim)
        let likelihood = try configuration.likelihood(for: data.train.layout)
        architecture.likelihood = likelihood
        do {
            network = try Network(architecture: architecture)
        } catch {
            throw TrainingError(error.description)
        }
        if likelihood == .gaussian { decoderVariance = configuration.variance }
        optimizer = Adam(parameterCount: network.layout.parameterCount,
                         hyperparameters: .init(learningRate: configuration.learningRate))
        workspace = Workspace(network: network, capacity: configuration.batchSize, threads: configuration.threads)
        batchTarget = FloatBuffer(count: configuration.batchSize * architecture.input.pixelCount)
        batchCorrupted = FloatBuffer(count: configuration.batchSize * architecture.input.pixelCount)
        evaluation = Evaluation(network: network, batchSize: configuration.batchSize, threads: configuration.threads)
        var initRandom = RandomSource(seed: configuration.seed, stream: 0)
        network.initializeParameters(using: &initRandom)
        random = RandomSource(seed: configuration.seed, stream: 1)
    }

    /// Loads the configured dataset (a known one, or the user's own `data`) and applies the class filter and
    /// limit.
    /// - Throws: a `TrainingError` naming the missing or bad file (and row and column, or entry), the empty class,
    ///   or a setting the data does not allow (noise on a table, a class filter on unlabelled data).
    package static func loadData(for configuration: TrainingConfiguration) throws(TrainingError) -> DatasetSplit {
        try selected(try readData(for: configuration), by: configuration)
    }

    /// As `loadData(for:)`, with the class to train on given by its name (`--class NAME`): found among the data's
    /// class names (class folders, a label column's values, Fashion-MNIST's names) and set as the configuration's
    /// class filter.
    /// - Throws: as `loadData(for:)`, and a `TrainingError` listing the class names when none is `className`.
    package static func loadData(for configuration: inout TrainingConfiguration, className: String)
        throws(TrainingError) -> DatasetSplit
    {
        let split = try readData(for: configuration)
        guard let names = split.classNames ?? DatasetKind(argument: split.name)?.classNames else {
            throw TrainingError("--class \(className): \(split.name) has no class names; give a label number")
        }
        guard let label = names.firstIndex(of: className) else {
            throw TrainingError(
                "--class \(className): \(split.name) has no such class (its classes: \(names.prefix(20).joined(separator: ", "))\(names.count > 20 ? ", …" : ""))")
        }
        configuration.classFilter = label
        return try selected(split, by: configuration)
    }

    /// The configured data as read, before the class filter and limit.
    private static func readData(for configuration: TrainingConfiguration) throws(TrainingError) -> DatasetSplit {
        var split: DatasetSplit
        do {
            if let path = configuration.data {
                let options = DataImportOptions(
                    channels: configuration.channels, resize: configuration.resize,
                    testFraction: configuration.testFraction, labelColumn: configuration.labelColumn,
                    seed: configuration.seed)
                split = try DataImport.load(path, options: options)
            } else {
                guard let kind = DatasetKind(argument: configuration.dataset) else {
                    throw TrainingError("unknown dataset '\(configuration.dataset)' (expected mnist or fashion-mnist)")
                }
                split = try DatasetLoader.load(kind, from: configuration.dataDirectory)
            }
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError("\(error)")
        }
        if split.train.layout == .table && configuration.noise > 0 {
            throw TrainingError("--noise (denoising) is defined for pixels in [0, 1]; \(split.name) is a table of standardised features")
        }
        return split
    }

    /// `split` with the configuration's class filter and limit applied.
    private static func selected(_ split: DatasetSplit, by configuration: TrainingConfiguration) throws(TrainingError)
        -> DatasetSplit
    {
        var train = split.train, test = split.test
        if let label = configuration.classFilter {
            guard let labels = split.train.labels else {
                throw TrainingError("--class needs labelled data; \(split.name) has no labels (class folders, y arrays or --label-column give them)")
            }
            train = train.filtered(toClass: label)
            test = test.filtered(toClass: label)
            guard train.count > 0, test.count > 0 else {
                let present = Set(labels).sorted().map(String.init).joined(separator: ", ")
                throw TrainingError("class \(label) has no images in \(split.name) (its labels are \(present))")
            }
        }
        if let limit = configuration.limit {
            train = train.prefix(limit)
            test = test.prefix(limit)
        }
        return split.replacing(train: train, test: test)
    }

    var checkpointPath: String { "\(configuration.outputDirectory)/\(Checkpoint.fileName)" }
    static let metricsFileName = "metrics.jsonl"
    var metricsPath: String { "\(configuration.outputDirectory)/\(Self.metricsFileName)" }

    /// Restores the last checkpoint in the output folder, if there is one. Returns the epochs already done.
    @discardableResult
    package func resume() throws(TrainingError) -> Int {
        guard Files.exists(checkpointPath) else { return 0 }
        let bytes: [UInt8]
        do { bytes = try Files.read(checkpointPath) } catch { throw TrainingError(error.description) }
        let checkpoint = try Checkpoint(parsing: bytes, source: checkpointPath)
        let mismatches = configuration.resumeMismatches(against: checkpoint.header.configuration)
        guard mismatches.isEmpty else {
            throw TrainingError("\(checkpointPath) was written by a run with other settings (\(mismatches.joined(separator: "; "))); resume with the same settings, or choose another --out")
        }
        if let partial = checkpoint.header.epochInProgress, partial.batchesDone >= batchesPerEpoch {
            throw TrainingError("\(checkpointPath): stopped after batch \(partial.batchesDone) of epoch \(partial.epoch), but an epoch here has \(batchesPerEpoch) batches")
        }
        guard checkpoint.parameters.count == network.parameters.count else {
            throw TrainingError("\(checkpointPath): parameter count \(checkpoint.parameters.count) does not match the model (\(network.parameters.count))")
        }
        checkpoint.parameters.withUnsafeBufferPointer { network.parameters.pointer.update(from: $0.baseAddress!, count: $0.count) }
        checkpoint.firstMoment.withUnsafeBufferPointer { optimizer.firstMoment.pointer.update(from: $0.baseAddress!, count: $0.count) }
        checkpoint.secondMoment.withUnsafeBufferPointer { optimizer.secondMoment.pointer.update(from: $0.baseAddress!, count: $0.count) }
        optimizer.step = checkpoint.header.adamStep
        random = checkpoint.header.random
        epochsCompleted = checkpoint.header.epochsCompleted
        epochInProgress = checkpoint.header.epochInProgress
        decoderVariance = checkpoint.header.decoderVariance ?? decoderVariance
        history = readMetricsHistory().filter { $0.epoch <= epochsCompleted }
        try rewriteMetrics()
        return epochsCompleted
    }

    /// Runs the remaining epochs, with the configured GEMM threads on the calling thread.
    ///
    /// `stopRequested` is asked after every batch (and before every epoch); when it answers true the run writes
    /// a checkpoint of that point, sets `interruption` and returns: `resume()` and `run` then finish with the
    /// same weights, bit for bit, as a run never stopped (with the same thread count). A stop in an epoch's last
    /// batch finishes that epoch first.
    package func run(observer: TrainingObserver?, stopRequested: () -> Bool = { false }) throws(TrainingError)
        -> [EpochMetrics]
    {
        try GEMM.withThreadCount(configuration.threads) { () throws(TrainingError) in
            try runEpochs(observer: observer, stopRequested: stopRequested)
        }
    }

    private func runEpochs(observer: TrainingObserver?, stopRequested: () -> Bool) throws(TrainingError)
        -> [EpochMetrics]
    {
        interruption = nil
        if epochsCompleted == 0 && epochInProgress == nil {
            history = []
            try rewriteMetrics()
        }
        // A table's rows make no picture: its epochs write metrics only.
        let images = data.train.layout == .images
            ? EpochImages(network: network, shape: data.train.shape, seed: configuration.seed) : nil
        while epochsCompleted < configuration.epochs {
            let epoch = epochsCompleted + 1
            if epochInProgress == nil && stopRequested() {
                try saveCheckpoint()
                interruption = TrainingPosition(epoch: epoch, batchesDone: 0, batches: batchesPerEpoch)
                return history
            }
            guard let trained = trainEpoch(epoch, observer: observer, stopRequested: stopRequested) else {
                try saveCheckpoint()  // with epochInProgress: where the stop left this epoch
                interruption = resumePosition
                return history
            }
            let (trainLoss, seconds) = trained
            let test = evaluate(epoch: epoch)
            let metrics = EpochMetrics(
                epoch: epoch, trainLoss: trainLoss, testLoss: test.losses.total / Double(data.test.count),
                testReconstruction: test.losses.reconstruction / Double(data.test.count),
                testKL: test.losses.kl / Double(data.test.count), seconds: seconds,
                samplesPerSecond: Double(data.train.count) / seconds, decoderVariance: decoderVariance.map(Double.init))
            do {
                try Files.appendLine(metrics.jsonLine, to: metricsPath)
                try images?.write(epoch: epoch, test: data.test, noise: noise, latent: test.latent,
                                  directory: configuration.outputDirectory)
            } catch {
                throw TrainingError(error.description)
            }
            history.append(metrics)
            epochsCompleted = epoch
            try saveCheckpoint()
            observer?.trainingEpochCompleted(metrics)
        }
        try exportModel()
        return history
    }

    /// One pass over the shuffled training set, or the rest of a stopped one (`epochInProgress`). Returns the
    /// mean loss per sample and the seconds it took, or nil when `stopRequested` stopped it: then
    /// `epochInProgress` says where, and `random` is the generator's state after the last finished batch.
    func trainEpoch(_ epoch: Int, observer: TrainingObserver?, stopRequested: () -> Bool = { false })
        -> (loss: Double, seconds: Double)?
    {
        let train = data.train
        let pixels = train.shape.pixelCount
        let batchSize = configuration.batchSize
        let batches = batchesPerEpoch
        let resumed = epochInProgress?.epoch == epoch ? epochInProgress : nil
        epochInProgress = nil
        // A resumed epoch deals its order again from the generator saved before the shuffle; `random` already
        // holds the state after its last finished batch.
        let shuffleRandom = resumed?.shuffleRandom ?? random
        var shuffle = shuffleRandom
        let order = shuffle.permutation(train.count)
        if resumed == nil { random = shuffle }
        let target = batchTarget.pointer, corrupted = batchCorrupted.pointer
        var total = resumed?.lossTotal ?? 0
        var varianceTotal = resumed?.varianceTotal ?? 0
        let earlierSeconds = resumed?.seconds ?? 0
        let clock = ContinuousClock()
        let start = clock.now
        var stopped = false
        for batch in (resumed?.batchesDone ?? 0)..<batches {
            let first = batch * batchSize, rows = min(batchSize, train.count - first)
            train.copyRows(order[first..<(first + rows)], into: target)
            var input = UnsafePointer(target)
            if noise.fraction > 0 {
                corrupted.update(from: target, count: rows * pixels)
                noise.apply(to: corrupted, count: rows * pixels, random: &random)
                input = UnsafePointer(corrupted)
            }
            network.klWeight = configuration.klWeight(epoch: epoch, batch: batch + 1, batchesPerEpoch: batches)
            optimizer.hyperparameters.learningRate = configuration.learningRate(
                epoch: epoch, batch: batch + 1, batchesPerEpoch: batches)
            network.decoderVariance = configuration.decoderVariance(epoch: epoch, batch: batch + 1, batchesPerEpoch: batches)
            let losses = network.computeGradients(input: input, target: target, batch: rows,
                                                  workspace: workspace, random: &random)
            if let variance = network.lastVariance { varianceTotal += Double(variance) * Double(rows) }
            optimizer.update(network.parameters, gradients: network.gradients, parallel: workspace.parallel)
            total += losses.total
            if let observer {
                let done = first + rows
                observer.trainingBatchCompleted(BatchProgress(
                    epoch: epoch, epochs: configuration.epochs, batch: batch + 1, batches: batches,
                    samplesDone: done, samplesTotal: train.count, runningLoss: total / Double(done),
                    elapsedSeconds: earlierSeconds + seconds(since: start, clock: clock)))
            }
            if batch + 1 < batches && stopRequested() {
                epochInProgress = .init(epoch: epoch, batchesDone: batch + 1, lossTotal: total,
                                        seconds: earlierSeconds + seconds(since: start, clock: clock),
                                        shuffleRandom: shuffleRandom,
                                        varianceTotal: network.lastVariance == nil ? nil : varianceTotal)
                stopped = true
                break
            }
        }
        if stopped { return nil }
        if network.architecture.likelihood == .gaussian {
            decoderVariance = configuration.variance ?? Float(varianceTotal / Double(train.count))
        }
        return (total / Double(train.count), earlierSeconds + seconds(since: start, clock: clock))
    }

    /// The test set's summed loss with one z sample per image (deterministic per seed and epoch), and the mean
    /// and standard deviation of its latent means.
    func evaluate(epoch: Int) -> (losses: LossSums, latent: LatentStatistics) {
        var random = Evaluation.testStream(seed: configuration.seed, epoch: epoch)
        // A Gaussian test loss is scored at the variance training arrived at, not refitted to the test set.
        let training = network.decoderVariance
        if let decoderVariance { network.decoderVariance = .fixed(decoderVariance) }
        defer { network.decoderVariance = training }
        return evaluation.run(on: data.test, noise: noise, random: &random)
    }

    /// Mean and standard deviation of mu over the whole training set (clean images): what an AE samples from,
    /// and what the .vaez file records.
    func trainingSetLatentStatistics() -> LatentStatistics {
        evaluation.latentStatistics(of: data.train)
    }

    func saveCheckpoint() throws(TrainingError) {
        let checkpoint = Checkpoint(
            header: .init(configuration: configuration, epochsCompleted: epochsCompleted, random: random,
                          adamStep: optimizer.step, parameterCount: network.parameters.count,
                          epochInProgress: epochInProgress, decoderVariance: decoderVariance),
            parameters: network.parameters.array, firstMoment: optimizer.firstMoment.array,
            secondMoment: optimizer.secondMoment.array)
        do {
            try Files.writeAtomically(checkpoint.serialized(), to: checkpointPath)
        } catch let error as DataError {
            throw TrainingError(error.description)
        } catch {
            throw TrainingError("\(checkpointPath): \(error)")
        }
    }

    func readMetricsHistory() -> [EpochMetrics] {
        guard let bytes = try? Files.read(metricsPath) else { return [] }
        let decoder = JSONDecoder()
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap {
            try? decoder.decode(EpochMetrics.self, from: Data($0.utf8))
        }
    }

    func rewriteMetrics() throws(TrainingError) {
        let text = history.map { $0.jsonLine + "\n" }.joined()
        do { try Files.writeAtomically(Array(text.utf8), to: metricsPath) } catch { throw TrainingError(error.description) }
    }

    private func seconds(since start: ContinuousClock.Instant, clock: ContinuousClock) -> Double {
        (clock.now - start).inSeconds
    }
}

@available(*, unavailable)
extension Trainer: Sendable {}
