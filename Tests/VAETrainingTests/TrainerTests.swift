import Foundation
import Logging
import Testing
import VAEFiles
import VAEFormat
import VAETestSupport
import VAEModel
import VAETraining

@Suite("Trainer: learning, determinism, resume", .serialized)
struct TrainerTests {
    func configuration(_ directory: String, epochs: Int, kind: String = "vae", noise: Float = 0) -> TrainingConfiguration {
        TrainingConfiguration(
            dataset: "mnist", dataDirectory: "\(directory)/data", kind: kind == "vae" ? .vae : .ae,
            hidden: [32, 16], zDim: 2, epochs: epochs, batchSize: 16, seed: 3, noise: noise, threads: 1,
            outputDirectory: "\(directory)/out")
    }

    func makeData() throws -> String {
        let directory = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(directory)/data", withIntermediateDirectories: true)
        try writeSyntheticDataset(to: "\(directory)/data", trainCount: 96, testCount: 32)
        return directory
    }

    func train(_ configuration: TrainingConfiguration, resume: Bool = false) throws -> (Trainer, [EpochMetrics]) {
        let trainer = try Trainer(configuration: configuration, data: try Trainer.loadData(for: configuration),
                                  logger: Logger(label: "test"))
        if resume { try trainer.resume() }
        return (trainer, try trainer.run(observer: nil))
    }

    @Test(arguments: ["vae", "ae"])
    func lossFallsAndFilesAppear(kind: String) throws {
        let directory = try makeData()
        let (_, metrics) = try train(configuration(directory, epochs: 4, kind: kind, noise: 0.1))
        #expect(metrics.count == 4)
        #expect(metrics.last!.trainLoss < metrics.first!.trainLoss)
        #expect(metrics.last!.testLoss < metrics.first!.testLoss)
        if kind == "ae" { #expect(metrics.allSatisfy { $0.testKL == 0 }) }
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(directory)/out")
        for name in ["metrics.jsonl", "checkpoint.vaeckpt", "reconstruction_4.png", "sample_4.png", "manifold_4.png"] {
            #expect(files.contains(name), "missing \(name)")
        }
        let lines = try String(contentsOfFile: "\(directory)/out/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        let decoded = try JSONDecoder().decode(EpochMetrics.self, from: Data(lines[3].utf8))
        #expect(decoded == metrics[3])
    }

    @Test func sameSeedGivesBitIdenticalMetricsAndWeights() throws {
        let a = try makeData(), b = try makeData()
        // Same data files in both places.
        for name in try FileManager.default.contentsOfDirectory(atPath: "\(a)/data") {
            try FileManager.default.removeItem(atPath: "\(b)/data/\(name)")
            try FileManager.default.copyItem(atPath: "\(a)/data/\(name)", toPath: "\(b)/data/\(name)")
        }
        let (trainerA, metricsA) = try train(configuration(a, epochs: 2, noise: 0.2))
        let (trainerB, metricsB) = try train(configuration(b, epochs: 2, noise: 0.2))
        #expect(metricsA.map(\.trainLoss) == metricsB.map(\.trainLoss))
        #expect(metricsA.map(\.testLoss) == metricsB.map(\.testLoss))
        #expect(metricsA.map(\.testKL) == metricsB.map(\.testKL))
        #expect(trainerA.network.parameters.array == trainerB.network.parameters.array)

        // And a different seed really differs (the comparison above can fail).
        var other = configuration(b, epochs: 2, noise: 0.2)
        other.seed = 4
        other.outputDirectory = "\(b)/other"
        let (_, metricsC) = try train(other)
        #expect(metricsC.map(\.trainLoss) != metricsA.map(\.trainLoss))
    }

    @Test func resumeEqualsUninterruptedRun() throws {
        let directory = try makeData()
        var straight = configuration(directory, epochs: 3, noise: 0.2)
        straight.outputDirectory = "\(directory)/straight"
        let (uninterrupted, straightMetrics) = try train(straight)

        // Two epochs, then a new process-like trainer resumes to three.
        _ = try train(configuration(directory, epochs: 2, noise: 0.2))
        let (resumed, resumedMetrics) = try train(configuration(directory, epochs: 3, noise: 0.2), resume: true)
        #expect(resumed.network.parameters.array == uninterrupted.network.parameters.array)
        #expect(resumedMetrics.map(\.testLoss) == straightMetrics.map(\.testLoss))
    }

    /// Stops in the middle of epoch 1, then again in the middle of epoch 2 (as a first Ctrl-C does), resuming
    /// each time with a new trainer: the weights and test losses equal an uninterrupted run's, bit for bit.
    /// Also with a Gaussian decoder (its fitted variance is summed over the stopped epoch's batches), β and a KL
    /// warm-up that changes the weight batch by batch, and a cosine learning rate.
    @Test(arguments: [false, true])
    func stopsMidEpochAndResumesToTheSameWeights(gaussian: Bool) throws {
        let directory = try makeData()
        func withSettings(_ base: TrainingConfiguration) -> TrainingConfiguration {
            var configuration = base
            if gaussian {
                configuration.likelihood = .gaussian
                configuration.beta = 0.5
                configuration.klWarmupEpochs = 2
                configuration.learningRateSchedule = .cosine
            }
            return configuration
        }
        var straight = withSettings(configuration(directory, epochs: 3, noise: 0.2))
        straight.outputDirectory = "\(directory)/straight"
        let (uninterrupted, straightMetrics) = try train(straight)
        if gaussian {
            #expect(straightMetrics.allSatisfy { ($0.decoderVariance ?? 0) > 0 })
            #expect(uninterrupted.decoderVariance.map(Double.init) == straightMetrics.last?.decoderVariance)
        } else {
            #expect(straightMetrics.allSatisfy { $0.decoderVariance == nil })
        }

        let config = withSettings(configuration(directory, epochs: 3, noise: 0.2))  // 96 images: 6 batches of 16
        var positions: [TrainingPosition?] = []
        for (stopAfter, resume) in [(3, false), (5, true)] {
            let trainer = try Trainer(configuration: config, data: try Trainer.loadData(for: config),
                                      logger: Logger(label: "test"))
            if resume { try trainer.resume() }
            let counter = BatchCounter()
            _ = try trainer.run(observer: counter, stopRequested: { counter.batches >= stopAfter })
            positions.append(trainer.interruption)
        }
        #expect(positions == [TrainingPosition(epoch: 1, batchesDone: 3, batches: 6),
                              TrainingPosition(epoch: 2, batchesDone: 2, batches: 6)])
        let (resumed, resumedMetrics) = try train(config, resume: true)
        #expect(resumed.interruption == nil)
        #expect(resumed.network.parameters.array == uninterrupted.network.parameters.array)
        #expect(resumedMetrics.map(\.testLoss) == straightMetrics.map(\.testLoss))
        #expect(resumedMetrics.map(\.trainLoss) == straightMetrics.map(\.trainLoss))
        #expect(resumedMetrics.map(\.decoderVariance) == straightMetrics.map(\.decoderVariance))
    }

    @Test func klWeightRisesBatchByBatchToBeta() {
        var config = TrainingConfiguration(outputDirectory: "/tmp/unused")
        #expect(config.klWeight(epoch: 1, batch: 1, batchesPerEpoch: 10) == 1)
        config.beta = 4
        config.klWarmupEpochs = 2
        #expect(config.klWeight(epoch: 1, batch: 5, batchesPerEpoch: 10) == 1)  // 5 of 20 batches: β/4
        #expect(config.klWeight(epoch: 2, batch: 10, batchesPerEpoch: 10) == 4)
        #expect(config.klWeight(epoch: 3, batch: 1, batchesPerEpoch: 10) == 4)
        config.variance = 0.5
        config.likelihood = .bernoulli
        #expect(throws: TrainingError.self) { try config.validate() }  // a variance needs the Gaussian likelihood
        config.likelihood = .gaussian
        #expect(throws: Never.self) { try config.validate() }
        config.beta = -1
        #expect(throws: TrainingError.self) { try config.validate() }
    }

    @Test func cosineScheduleFallsFromTheLearningRateToZeroOverTheRun() {
        var config = TrainingConfiguration(epochs: 4, learningRate: 0.002, outputDirectory: "/tmp/unused")
        #expect(config.learningRate(epoch: 3, batch: 7, batchesPerEpoch: 10) == 0.002)
        config.learningRateSchedule = .cosine
        #expect(config.learningRate(epoch: 1, batch: 1, batchesPerEpoch: 10) == 0.002)
        #expect(abs(config.learningRate(epoch: 3, batch: 1, batchesPerEpoch: 10) - 0.001) < 1e-9)  // 20 of 40 batches
        #expect(abs(config.learningRate(epoch: 2, batch: 1, batchesPerEpoch: 10) - 0.002 * 0.8535534) < 1e-8)
        let last = config.learningRate(epoch: 4, batch: 10, batchesPerEpoch: 10)
        #expect(last > 0 && last < 0.002 * 0.002)
        // A cosine schedule is laid over the run: resuming it for more epochs would change it, so that is refused.
        var longer = config
        longer.epochs = 5
        #expect(longer.resumeMismatches(against: config) == ["--epochs 5 here, 4 in the checkpoint"])
        var constant = config
        constant.learningRateSchedule = .constant
        #expect(constant.resumeMismatches(against: config) == ["--lr-schedule constant here, cosine in the checkpoint"])
        constant.epochs = 5
        var constantSaved = config
        constantSaved.learningRateSchedule = .constant
        #expect(constant.resumeMismatches(against: constantSaved).isEmpty)
    }

    /// The schedule reaches the optimiser: the same run with a cosine schedule ends with other weights.
    @Test func theScheduleChangesTraining() throws {
        let directory = try makeData()
        var constant = configuration(directory, epochs: 2, noise: 0)
        constant.outputDirectory = "\(directory)/constant"
        var cosine = constant
        cosine.learningRateSchedule = .cosine
        cosine.outputDirectory = "\(directory)/cosine"
        let (a, _) = try train(constant)
        let (b, _) = try train(cosine)
        #expect(a.network.parameters.array != b.network.parameters.array)
    }

    /// A version 1 checkpoint (before mid-epoch stops) still resumes; an unknown version is refused by number.
    @Test func versionOneCheckpointsResumeAndUnknownVersionsAreRefused() throws {
        let directory = try makeData()
        let config = configuration(directory, epochs: 1)
        _ = try train(config)
        let path = "\(directory)/out/checkpoint.vaeckpt"
        let original = try Files.read(path)
        func withVersion(_ version: UInt8) throws {
            var bytes = Array(original.dropLast(4))
            bytes[8] = version
            let crc = CRC32.checksum(bytes)
            bytes += (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) }
            try Files.writeAtomically(bytes, to: path)
        }
        try withVersion(1)
        var two = config
        two.epochs = 2
        let (trainer, metrics) = try train(two, resume: true)
        #expect(metrics.count == 2 && trainer.interruption == nil)

        try withVersion(9)
        do {
            _ = try train(two, resume: true)
            Issue.record("version 9 must be refused")
        } catch {
            #expect("\(error)".contains("unsupported version 9"), "\(error)")
        }
    }

    @Test func resumeRefusesAnotherConfiguration() throws {
        let directory = try makeData()
        _ = try train(configuration(directory, epochs: 1))
        var changed = configuration(directory, epochs: 2)
        changed.zDim = 3
        #expect(throws: TrainingError.self) { try train(changed, resume: true) }
    }

    @Test func emptyClassIsAClearError() throws {
        let directory = try makeData()
        var config = configuration(directory, epochs: 1)
        config.classFilter = 7  // the synthetic labels are 0...3
        do {
            _ = try Trainer.loadData(for: config)
            Issue.record("an empty class must be refused")
        } catch {
            #expect(error.description.contains("class 7 has no images"))
        }
    }
}

/// Counts the batches it is shown (to stop a run after a given number).
final class BatchCounter: TrainingObserver {
    var batches = 0
    func trainingBatchCompleted(_ progress: BatchProgress) { batches += 1 }
    func trainingEpochCompleted(_ metrics: EpochMetrics) {}
}
