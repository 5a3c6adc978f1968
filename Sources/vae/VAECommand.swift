import ArgumentParser
import VAENumerics

@main
struct VAECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Train small variational autoencoders; export, inspect, verify and convert .vaez models; analyse and evaluate them.",
        version: version + "\nGEMM: " + GEMM.kernels.lines.joined(separator: "\n      "),
        subcommands: [
            Train.self, Export.self, Inspect.self, Verify.self, Convert.self, Bench.self, Analyze.self, Eval.self, Embed.self,
            Plot.self,
        ]
    )

    /// The program's version, also recorded in what it writes (an ONNX model's producer_version).
    static let version = "0.1.0"
}
