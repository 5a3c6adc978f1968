import ArgumentParser
import Foundation
import VAEAnalysis
import VAEFiles

extension VAECommand {
    struct Plot: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plot training curves from metrics.jsonl files (SVG).",
            discussion: """
                Draws train (dashed) and test (solid) loss per image against the epoch, one colour per run, and the \
                test KL per image when a run is a VAE. Each run is named by its folder (or --name, in order).
                """
        )

        @Argument(help: "metrics.jsonl files written by vae train (or their run folders).")
        var metrics: [String]

        @Option(name: .shortAndLong, help: "The figure to write (.svg).")
        var output: String

        @Option(help: "Names for the runs in the legend, in order (default: their folders' names).")
        var name: [String] = []

        func run() throws {
            try AnalysisArguments.checkOutput(output, extensions: [".svg"])
            guard !metrics.isEmpty else { throw userError("give at least one metrics.jsonl") }
            guard name.isEmpty || name.count == metrics.count else {
                throw userError("--name given \(name.count) times for \(metrics.count) runs")
            }
            var runs: [TrainingRun] = []
            for (i, argument) in metrics.enumerated() {
                var isDirectory: ObjCBool = false
                let folder = FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) && isDirectory.boolValue
                let path = folder ? "\(argument)/metrics.jsonl" : argument
                let runName = name.isEmpty ? URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent : name[i]
                runs.append(try AnalysisArguments.analysis { () throws(AnalysisError) in
                    try TrainingRun(path: path, name: runName)
                })
            }
            let document = TrainingCurvesFigure.svg(runs)
            try AnalysisArguments.write(output) { () throws(DataError) in try document.write(to: output) }
        }
    }
}
