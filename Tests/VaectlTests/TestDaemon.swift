import Foundation
import VAEFormat
import VAEImage
import VAETestSupport

/// A built vaed on a private socket serving `digits` (a VAE) and, when asked, `auto` (an AE).
func testDaemon(twoModels: Bool = false, extraArguments: [String] = [], name: String = #function) throws -> RunningDaemon {
    if twoModels { return try RunningDaemon(extraArguments: extraArguments, name: name) }
    let directory = temporaryDirectory(name)
    return try RunningDaemon(
        directory: directory, arguments: ["--model", "digits=\(try modelFile(kind: .vae, directory: directory))"] + extraArguments)
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

/// Runs the built vaectl with `arguments`, optional standard input (text, or `bytes` such as a PNG) and environment
/// changes, in `directory`; kills it and throws `CommandTimedOut` if it has not finished after `timeout` seconds.
func vaectl(
    _ arguments: [String], input: String? = nil, bytes: [UInt8]? = nil, environment: [String: String?] = [:],
    directory: String = temporaryDirectory("vaectl"), timeout: Double = commandTimeout
) throws -> VaectlResult {
    let (process, base) = try startVaectl(
        arguments, input: bytes ?? Array((input ?? "").utf8), environment: environment, directory: directory)
    try waitForExit(process, timeout: timeout, what: "vaectl \(arguments.joined(separator: " ").prefix(300))")
    return VaectlResult(
        status: process.terminationStatus,
        output: [UInt8](FileManager.default.contents(atPath: base + ".out") ?? Data()),
        error: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
}

/// Starts the built vaectl as `vaectl()` runs it; returns the process and the path its output files start with.
func startVaectl(
    _ arguments: [String], input: [UInt8] = [], environment: [String: String?] = [:], directory: String
) throws -> (Process, String) {
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
    try Data(input).write(to: URL(fileURLWithPath: base + ".in"))
    process.standardInput = FileHandle(forReadingAtPath: base + ".in")
    process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
    process.standardError = FileHandle(forWritingAtPath: base + ".err")
    try process.run()
    return (process, base)
}

/// A grey test image: a bright square on black, offset by `shift`.
func squareImage(shift: Int = 0, size: Int = 28) -> PixelImage {
    var pixels = [UInt8](repeating: 0, count: size * size)
    for y in (8 + shift)..<(18 + shift) { for x in 9..<19 { pixels[y * size + x] = 230 } }
    return PixelImage(width: size, height: size, channels: 1, pixels: pixels)
}
