import Foundation
import VAECore
import VAEFormat
import VAEModel

/// A small random-weight model of 28×28 images (weights depend on `seed`), written atomically to `path`.
package func writeModelFile(kind: Architecture.Kind, seed: UInt64, to path: String) throws {
    try writeModelFile(Architecture(kind: kind, input: ImageShape(height: 28, width: 28), hidden: [32], zDim: 2),
                       seed: seed, to: path)
}

/// A random-weight model of `architecture` (weights depend on `seed`, latent prior N(0, I)), written atomically.
package func writeModelFile(_ architecture: Architecture, seed: UInt64, to path: String) throws {
    let network = try Network(architecture: architecture)
    var random = RandomSource(seed: seed)
    network.initializeParameters(using: &random)
    let metadata = ModelMetadata(architecture: .init(architecture), latent: .prior(zDim: architecture.zDim),
                                 producer: .init(name: "test", version: "0"), created: "2026-01-01T00:00:00Z")
    try VAEZWriter.write(metadata: metadata, tensors: network.contractTensors(), to: path)
}

/// A tiny random-weight model (4×3 images, 8 hidden, z 2; an AE with stored latent statistics) written to a new
/// folder as `<name>.vaez`, for engine and protocol tests that want it served.
/// - Parameters:
///   - channels: 1 (grey) or 3 (RGB, 4×3×3 values).
///   - likelihood: `.gaussian` writes an identity output (decoded means may leave [0, 1]).
///   - data: the file's `data` (format 1.1); its likelihood wins over `likelihood`, and a table model is 1×D×1
///     with D its normalisation's (or features') length, 5 when it has neither.
package func writeTinyModelFile(
    _ name: String, kind: Architecture.Kind, seed: UInt64 = 1, channels: Int = 1, likelihood: Likelihood = .bernoulli,
    data: DataDescription? = nil
) throws -> String {
    var shape = ImageShape(height: 4, width: 3, channels: channels)
    if let data, data.kind == .table {
        shape = ImageShape(height: 1, width: data.normalisation?.mean.count ?? data.features?.count ?? 5, channels: 1)
    }
    var architecture = Architecture(kind: kind, input: shape, hidden: [8], zDim: 2)
    let gaussian = data.map { $0.likelihood == .gaussian } ?? (likelihood == .gaussian)
    architecture.likelihood = gaussian ? .gaussian : .bernoulli
    let network = try Network(architecture: architecture)
    var random = RandomSource(seed: seed)
    network.initializeParameters(using: &random)
    let latent: ModelMetadata.Latent = kind == .ae ? .init(mean: [0.5, -1], std: [2, 0.25]) : .prior(zDim: 2)
    let metadata = ModelMetadata(architecture: .init(architecture), latent: latent,
                                 producer: .init(name: "test", version: "0"), created: "2026-01-01T00:00:00Z",
                                 data: data)
    let path = temporaryDirectory() + "/\(name).vaez"
    try VAEZWriter.write(metadata: metadata, tensors: network.contractTensors(), to: path)
    return path
}

/// Such a model as `<directory>/<kind>.vaez`.
package func modelFile(kind: Architecture.Kind, directory: String, seed: UInt64 = 5) throws -> String {
    let path = "\(directory)/\(kind.rawValue).vaez"
    try writeModelFile(kind: kind, seed: seed, to: path)
    return path
}

/// A running built vaed on a private socket, stopped with SIGTERM by `stop()` (killed if a test forgets).
package final class RunningDaemon {
    package let process: Process
    package let socket: String
    package let directory: String
    /// Where its standard output and error go, without the `.out` / `.err` suffix.
    package let logs: String

    /// vaed serving `digits` (a VAE) and `auto` (an AE).
    package convenience init(extraArguments: [String] = [], name: String = #function) throws {
        let directory = temporaryDirectory(name)
        let vae = try modelFile(kind: .vae, directory: directory), ae = try modelFile(kind: .ae, directory: directory)
        try self.init(directory: directory, arguments: ["--model", "digits=\(vae)", "--model", "auto=\(ae)"] + extraArguments)
    }

    /// vaed with `arguments` (the models and options) on a socket in `directory`.
    package init(directory: String, arguments: [String]) throws {
        self.directory = directory
        socket = "\(directory)/vaed.sock"
        (process, logs) = try startCommand(builtExecutable("vaed"), [
            "--socket", socket, "--threads", "2", "--drain-timeout", "5",
        ] + arguments, directory: directory)
        guard waitForSocket(socket) else {
            process.terminate()
            throw ClientError("vaed did not start listening on \(socket)")
        }
    }

    /// What the daemon has logged so far (its standard error).
    package var log: String { (try? String(contentsOfFile: logs + ".err", encoding: .utf8)) ?? "" }

    /// Waits until the daemon has logged `message` (at most `seconds`, a guard against hangs).
    package func waitForLog(_ message: String, seconds: Double = 30) -> Bool {
        waitUntil(seconds: seconds) { log.contains(message) }
    }

    /// Waits for the daemon to exit by itself (at most `seconds`, a guard against hangs; then it is killed and
    /// `CommandTimedOut` thrown) and returns its exit status.
    package func waitForExit(seconds: Double = 30) throws -> Int32 {
        try VAETestSupport.waitForExit(process, timeout: seconds, what: "vaed")
        return process.terminationStatus
    }

    /// Stops the daemon with SIGTERM and returns its exit status.
    package func stop() -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}
