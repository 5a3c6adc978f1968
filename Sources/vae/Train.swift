import ArgumentParser
import Foundation
import Logging
import VAEData
import VAEModel
import VAETraining

extension VAECommand {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a VAE or a plain autoencoder on MNIST, Fashion-MNIST or your own data.",
            discussion: """
                --data reads your own files instead of --dataset: a folder of PNG/JPEG images (one subfolder per \
                class, or none; a test/ subfolder is the test split), an .npy array, an .npz (x_train, y_train, \
                x_test, y_test, or x and y) or a .csv table with a header row. Data without a test split of its \
                own is split by --test-fraction, seeded by --seed; tables are standardised per column.

                Every epoch writes a line of metrics.jsonl, reconstruction_<e>.png, sample_<e>.png, \
                manifold_<e>.png (when --z-dim is 2) and a checkpoint to the output folder; --resume continues \
                from the checkpoint with the same results as an uninterrupted run.
                """
        )

        @Option(help: "The dataset (the seed's MNIST and FashionMNIST work too). Default: fashion-mnist.")
        var dataset: DatasetKind?

        @Option(help: "Your own data: a folder of PNG/JPEG images, or an .npy, .npz or .csv file.")
        var data: String?

        @Option(help: "With --data (images): 1 (grey) or 3 (RGB). Default: 1 when every image is grey, else 3.")
        var channels: Int?

        @Option(help: "With --data (images): resample every image to HxW, like 28x28.")
        var resize: String?

        @Option(help: "With --data without a test split: the fraction held out for testing (default 0.1).")
        var testFraction: Double?

        @Option(help: "With a .csv: the column that holds the class labels (default: none, all columns features).")
        var labelColumn: String?

        @Option(help: "Folder with the four IDX files (plain or .gz). Default: data/mnist or /usr/share/datasets/fashion-mnist.")
        var dataDir: String?

        @Option(help: "A variational or a plain autoencoder.")
        var model: Architecture.Kind = .vae

        @Flag(help: "Train a plain autoencoder (the seed project's spelling of --model ae).")
        var noVae = false

        @Option(help: "Latent dimensions.")
        var zDim: Int = 10

        @Option(help: "Hidden layer sizes, comma-separated; the decoder mirrors them. Empty for none.")
        var hidden: String = "400,256,128"

        @Option(help: "Passes over the training set.")
        var epochs: Int = 15

        @Option(help: "Images per Adam step.")
        var batchSize: Int = 128

        @Option(help: "Adam learning rate.")
        var lr: Float = 1e-3

        @Option(help: "Seed for initialisation, shuffling, noise and sampling.")
        var seed: UInt64 = 1

        @Option(help: "Denoising training: the probability that a pixel gets |N(0,1)| added (input only, clipped to [0,1]).")
        var noise: Float = 0

        @Option(help: "The reconstruction term: bernoulli (BCE, sigmoid output; pixels in [0, 1]) or gaussian (identity output). Default: gaussian for a table, bernoulli for images.")
        var likelihood: Likelihood?

        @Option(help: "Gaussian only: a fixed decoder variance σ². Default: fitted to each batch (the mean squared error), which lets unneeded latent units switch off.")
        var variance: Float?

        @Option(help: "Gaussian only: a floor under the fitted σ² that falls geometrically from 1 to this value over the run, so that only the latent units the data need open (manifold dimension discovery; about the data's noise variance, e.g. 0.01).")
        var varianceFloor: Float?

        @Option(help: "β, the weight of the KL term (β-VAE); 1 is the ELBO.")
        var beta: Float = 1

        @Option(help: "Epochs over which the KL weight rises linearly from 0 to β (KL annealing).")
        var klWarmup: Int = 0

        @Option(help: "The learning rate over the run: constant (--lr throughout) or cosine (from --lr down a half cosine to 0 at the last batch).")
        var lrSchedule: LearningRateSchedule = .constant

        @Option(name: [.customLong("class"), .customLong("specific-class")], help: ArgumentHelp("Train and test on one class only: its label number or its name (a class folder's, a label column's value, a Fashion-MNIST class such as 'Ankle boot').", valueName: "class"))
        var classArgument: String?

        /// `--class` as a label number; nil for none or for a name (resolved once the data is read).
        var classFilter: Int? { classArgument.flatMap { Int($0) } }

        @Option(help: .hidden)
        var limit: Int?

        @Option(help: "Batches between progress lines when output is not a terminal.")
        var logInterval: Int = 100

        // Optional, so the help says "all cores" instead of adding this machine's count as a second default.
        @Option(name: .customLong("threads"), help: "Threads for GEMM and element-wise work (default: all cores).")
        var threadOption: Int?

        var threads: Int { threadOption ?? ProcessInfo.processInfo.activeProcessorCount }

        @Option(help: "Output folder (default: models/<dataset>/<vae|ae>/<noise>); created if missing.")
        var out: String?

        @Flag(help: "Continue from the checkpoint in the output folder.")
        var resume = false

        @Flag(help: "Train again in an output folder that holds an earlier run: its model, checkpoint, metrics and epoch images are removed first.")
        var overwrite = false

        func validate() throws {
            if resume && overwrite {
                throw ValidationError("--resume continues the run in the output folder; --overwrite replaces it: give one")
            }
            if data != nil && (dataset != nil || dataDir != nil) {
                throw ValidationError("--data reads your own files; it cannot be combined with --dataset or --data-dir")
            }
            if data == nil, let option = [("--channels", channels != nil), ("--resize", resize != nil),
                                          ("--test-fraction", testFraction != nil), ("--label-column", labelColumn != nil)]
                .first(where: \.1)
            {
                throw ValidationError("\(option.0) applies to --data only (your own files)")
            }
            _ = try parsedResize()
            guard zDim >= 1 else { throw ValidationError("--z-dim must be at least 1 (got \(zDim))") }
            guard noise.isFinite, (0...1).contains(noise) else {
                throw ValidationError("--noise must be a fraction in [0, 1] (got \(noise))")
            }
            _ = try parsedHidden()
        }

        /// `--resize 28x28` as a size (height first).
        func parsedResize() throws -> DataSource.Size? {
            guard let resize else { return nil }
            let parts = resize.lowercased().split(separator: "x", omittingEmptySubsequences: false)
            guard parts.count == 2, let height = Int(parts[0]), let width = Int(parts[1]), height >= 1, width >= 1 else {
                throw ValidationError("--resize takes HEIGHTxWIDTH in pixels, like 28x28 (got '\(resize)')")
            }
            return DataSource.Size(height: height, width: width)
        }

        func parsedHidden() throws -> [Int] {
            let parts = hidden.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            if parts == [""] { return [] }
            return try parts.map { part in
                guard let size = Int(part), size >= 1 else {
                    throw ValidationError("--hidden takes positive sizes separated by commas (got '\(hidden)')")
                }
                return size
            }
        }

        func run() throws {
            let interactive = isatty(STDERR_FILENO) == 1
            if interactive { LoggingSystem.bootstrap(TerminalLogHandler.init) }
            // From here a first SIGINT or SIGTERM stops the run at the next batch with a checkpoint.
            TrainingSignals.start()
            let logger = Logger(label: "vae.train")
            let kind: Architecture.Kind = noVae ? .ae : model
            let datasetName = data.map(TrainingConfiguration.dataName(of:)) ?? (dataset ?? .fashionMNIST).rawValue
            var configuration = TrainingConfiguration(
                dataset: datasetName, dataDirectory: dataDir, kind: kind, hidden: try parsedHidden(), zDim: zDim,
                epochs: epochs, batchSize: batchSize, learningRate: lr, seed: seed, noise: noise,
                classFilter: classFilter, limit: limit, logInterval: logInterval, threads: threads,
                outputDirectory: out ?? TrainingConfiguration.defaultOutputDirectory(
                    dataset: datasetName, kind: kind, noise: noise),
                data: data, channels: channels, resize: try parsedResize(), testFraction: testFraction,
                labelColumn: labelColumn)
            configuration.likelihood = likelihood
            configuration.variance = variance
            configuration.varianceFloor = varianceFloor
            configuration.beta = beta
            configuration.klWarmupEpochs = klWarmup
            configuration.learningRateSchedule = lrSchedule
            if !resume, let earlier = RunFolder.earlierRun(in: configuration.outputDirectory) {
                guard overwrite else {
                    throw userError(
                        "\(configuration.outputDirectory) already holds a training run (\(earlier)): --resume continues "
                            + "it, --overwrite trains again in its place, or choose another --out")
                }
                do {
                    try RunFolder.removeEarlierRun(in: configuration.outputDirectory)
                } catch {
                    throw userError("--overwrite: \(error)")
                }
            }
            let trainer: Trainer
            let observer = ProgressDisplay(interactive: interactive, logInterval: logInterval)
            do {
                try configuration.validate()
                let data: DatasetSplit
                if let name = classArgument, classFilter == nil {
                    data = try Trainer.loadData(for: &configuration, className: name)
                } else {
                    data = try Trainer.loadData(for: configuration)
                }
                logger.info("loaded \(data.name): \(Self.describe(data, classFilter: configuration.classFilter))")
                for note in data.notes { logger.notice("note: \(note)") }
                trainer = try Trainer(configuration: configuration, data: data, logger: logger)
                if resume {
                    let done = try trainer.resume()
                    if let position = trainer.resumePosition {
                        logger.info("resuming in epoch \(position.epoch) after batch \(position.batchesDone)/\(position.batches) from \(configuration.outputDirectory)")
                    } else {
                        logger.info(done > 0 ? "resuming after epoch \(done) from \(configuration.outputDirectory)"
                                             : "no checkpoint in \(configuration.outputDirectory); starting at epoch 1")
                    }
                }
                // Two lines, so that each fits 80 columns on a terminal.
                logger.info("training \(kind.rawValue) \(data.train.shape.pixelCount)-\(configuration.hidden.map(String.init).joined(separator: "-"))-z\(zDim), \(trainer.network.layout.parameterCount) parameters, \(threads) thread\(threads == 1 ? "" : "s")")
                logger.info("writing to \(configuration.outputDirectory)")
                _ = try trainer.run(observer: observer, stopRequested: { TrainingSignals.stopRequested })
            } catch {
                throw userError(error.description)
            }
            let folder = configuration.outputDirectory
            if let stop = trainer.interruption {
                observer.clearLine()
                let place = stop.batchesDone > 0
                    ? "in epoch \(stop.epoch) after batch \(stop.batchesDone)/\(stop.batches)"
                    : "before epoch \(stop.epoch)"
                FileHandle.standardError.write(Data("""
                    stopped \(place); saved \(folder)/checkpoint.vaeckpt
                    continue with: \(resumeCommand())

                    """.utf8))
                throw ExitCode(130)
            }
            // A long folder puts the export's options on a continuation line, to stay within 80 columns.
            var export = "vae export \(shellQuoted(folder))"
            let options = "--dtype f16 -o \(shellQuoted(datasetName + ".vaez"))"
            export += export.count + options.count > 80 - 7 ? " \\\n            " + options : " " + options
            print("""
                model written to \(folder)/model.vaez
                next: vae inspect \(shellQuoted(folder))
                      \(export)
                      vaed --model \(shellQuoted("\(datasetName)=\(folder)"))
                """)
        }

        /// "N training and M test images of H×W×C, K classes" (or "… rows of D features" for a table).
        static func describe(_ data: DatasetSplit, classFilter: Int? = nil) -> String {
            let shape = data.train.shape
            let items = data.train.layout == .table
                ? "rows of \(shape.width) features"
                : "images of \(shape.height)×\(shape.width)\(shape.channels == 1 ? "" : "×\(shape.channels)")"
            var text = "\(data.train.count) training and \(data.test.count) test \(items)"
            if let classFilter {
                let names = data.classNames ?? DatasetKind(argument: data.name)?.classNames
                let name = names.flatMap { classFilter < $0.count ? " (\($0[classFilter]))" : nil } ?? ""
                text += ", class \(classFilter)\(name) only"
            } else if let names = data.classNames {
                text += ", \(names.count) classes"
            } else if let labels = data.train.labels {
                text += ", \(Set(labels).count) classes (labels by number)"
            } else {
                text += ", unlabelled"
            }
            return text
        }

        /// This command line with --resume (added once): the same settings continue the same run.
        func resumeCommand() -> String {
            let arguments = Array(CommandLine.arguments.dropFirst())
            return (["vae"] + arguments + (arguments.contains("--resume") ? [] : ["--resume"]))
                .map(shellQuoted).joined(separator: " ")
        }
    }
}

/// `word` as a POSIX shell reads it back: unchanged when it is plain, else in single quotes.
func shellQuoted(_ word: String) -> String {
    let plain = !word.isEmpty && word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0)) }
    return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// Prints a user error on stderr and gives exit status 1: a message, never a stack trace.
func userError(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode(1)
}
