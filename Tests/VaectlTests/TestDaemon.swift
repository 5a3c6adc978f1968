import Foundation
import VAEData
import VAEFormat
import VAEModel
import VAENumerics
import VAETestSupport

/// A small random-weight model of 28×28 images as a .vaez file.
func modelFile(kind: Architecture.Kind, directory: String, seed: UInt64 = 5) throws -> String {
    let architecture = Architecture(kind: kind, input: ImageShape(height: 28, width: 28), hidden: [32], zDim: 2)
    let network = try Network(architecture: architecture)
    var random = RandomSource(seed: seed)
    network.initializeParameters(using: &random)
    let metadata = ModelMetadata(
        architecture: .init(architecture), latent: .prior(zDim: 2),
        producer: .init(name: "test", version: "0"), created: "2026-01-01T00:00:00Z")
    let path = "\(directory)/\(kind.rawValue).vaez"
    try VAEZWriter.write(metadata: metadata, tensors: network.contractTensors(), to: path)
    return path
}

/// A built vaed on a private socket serving `digits` (a VAE) and, when asked, `auto` (an AE); killed at the end.
final class TestDaemon {
    let process: Process
    let socket: String
    let directory: String

    init(twoModels: Bool = false, extraArguments: [String] = []) throws {
        directory = temporaryDirectory()
        socket = "\(directory)/vaed.sock"
        var arguments = ["--model", "digits=\(try modelFile(kind: .vae, directory: directory))"]
        if twoModels { arguments += ["--model", "auto=\(try modelFile(kind: .ae, directory: directory))"] }
        (process, _) = try startCommand(
            builtExecutable("vaed"), arguments + ["--socket", socket, "--threads", "2"] + extraArguments,
            directory: directory)
        guard waitForSocket(socket) else {
            process.terminate()
            throw ClientError("vaed did not start listening on \(socket)")
        }
    }

    /// Stops the daemon with SIGTERM and returns its exit status.
    func stop() -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// What a vaectl run printed, as bytes too (for PNGs on standard output).
struct VaectlResult {
    let status: Int32
    let output: [UInt8]
    let error: String

    var text: String { String(decoding: output, as: UTF8.self) }

    /// Standard output parsed as one JSON object (Foundation's parser: independent of ours).
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(output)) as? [String: Any] else {
            throw ClientError("not a JSON object: \(text)")
        }
        return object
    }
}

/// Runs the built vaectl with `arguments`, optional standard input and environment changes, in `directory`.
func vaectl(
    _ arguments: [String], input: String? = nil, environment: [String: String?] = [:],
    directory: String = temporaryDirectory("vaectl")
) throws -> VaectlResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: builtExecutable("vaectl"))
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var env = ProcessInfo.processInfo.environment
    env["VAED_SOCKET"] = nil
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let base = "\(directory)/run-\(UUID().uuidString.prefix(8))"
    for suffix in [".in", ".out", ".err"] { _ = FileManager.default.createFile(atPath: base + suffix, contents: nil) }
    try Data((input ?? "").utf8).write(to: URL(fileURLWithPath: base + ".in"))
    process.standardInput = FileHandle(forReadingAtPath: base + ".in")
    process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
    process.standardError = FileHandle(forWritingAtPath: base + ".err")
    try process.run()
    process.waitUntilExit()
    return VaectlResult(
        status: process.terminationStatus,
        output: [UInt8](FileManager.default.contents(atPath: base + ".out") ?? Data()),
        error: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
}

/// A grey test image: a bright square on black, offset by `shift`.
func squareImage(shift: Int = 0, size: Int = 28) -> PixelImage {
    var pixels = [UInt8](repeating: 0, count: size * size)
    for y in (8 + shift)..<(18 + shift) { for x in 9..<19 { pixels[y * size + x] = 230 } }
    return PixelImage(width: size, height: size, channels: 1, pixels: pixels)
}
