import ArgumentParser

@main
struct VAECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Train, benchmark and inspect small variational autoencoders.",
        version: "0.1.0",
        subcommands: [Train.self, Bench.self]
    )
}
