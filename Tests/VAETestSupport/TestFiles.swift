import Foundation
import VAECore
import VAEData

/// The folder that holds every test directory of this process, removed when the process exits (whether the tests
/// passed or failed), so test runs leave nothing behind in the temporary folder.
private let testRoot: String = {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("vae-tests-\(getpid())").path
    try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    chmod(root, 0o711)  // other users may pass through (a test connects as nobody), whatever the umask
    atexit {
        // A C callback captures nothing: the path is derived again from the (same) process id.
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vae-tests-\(getpid())").path
        try? FileManager.default.removeItem(atPath: root)
    }
    return root
}()

/// A fresh temporary directory for one test, inside this process's test folder (removed at exit).
package func temporaryDirectory(_ name: String = #function) -> String {
    let path = "\(testRoot)/\(name.filter { $0.isLetter || $0.isNumber }.prefix(60))-\(UUID().uuidString.prefix(8))"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Runs `body` with a fresh temporary directory and removes it afterwards, whatever happens.
package func withTemporaryDirectory<R>(_ name: String = #function, _ body: (String) throws -> R) throws -> R {
    let directory = temporaryDirectory(name)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try body(directory)
}

/// gzip-compresses with the system's gzip tool (an independent encoder for our zlib-based reader).
package func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
    try withTemporaryDirectory("gzip") { directory in
        let path = "\(directory)/data"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let result = try runCommand("/usr/bin/env", ["gzip", "-n", "-f", path], directory: directory)
        guard result.status == 0 else { throw ClientError("gzip failed: \(result.standardError)") }
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
    }
}

/// Writes a small MNIST-like dataset (4 IDX files) with `count` images of 28×28 per split. The same arguments give
/// the same files: the noise comes from `seed`.
package func writeSyntheticDataset(
    to directory: String, trainCount: Int = 64, testCount: Int = 16, gzip: Bool = false, seed: UInt64 = 1
) throws {
    var random = RandomSource(seed: seed)
    func images(_ count: Int) -> IDXArray {
        IDXArray(dimensions: [count, 28, 28], values: (0..<(count * 784)).map { i in
            // A blob whose position depends on the label, plus a little noise.
            let image = i / 784, y = (i % 784) / 28, x = i % 28, label = image % 4
            let cx = 8 + (label % 2) * 12, cy = 8 + (label / 2) * 12
            let inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) < 30
            // Plain modulo (not Int.random(in:using:), whose algorithm the standard library may change).
            return inside ? UInt8(200 + random.next() % 56) : UInt8(random.next() % 20)
        })
    }
    func labels(_ count: Int) -> IDXArray { IDXArray(dimensions: [count], values: (0..<count).map { UInt8($0 % 4) }) }
    let files: [(String, IDXArray)] = [
        ("train-images-idx3-ubyte", images(trainCount)), ("train-labels-idx1-ubyte", labels(trainCount)),
        ("t10k-images-idx3-ubyte", images(testCount)), ("t10k-labels-idx1-ubyte", labels(testCount)),
    ]
    for (name, array) in files {
        let bytes = array.serialized()
        if gzip {
            try Data(try gzipped(bytes)).write(to: URL(fileURLWithPath: "\(directory)/\(name).gz"))
        } else {
            try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/\(name)"))
        }
    }
}

/// The result of running a command.
package struct CommandResult: Sendable {
    package let status: Int32
    package let standardOutput: String
    package let standardError: String
}

/// Where the package's executables were built: beside the test bundle, or `VAE_BIN_DIR`.
package func builtExecutable(_ name: String) -> String {
    if let directory = ProcessInfo.processInfo.environment["VAE_BIN_DIR"] { return "\(directory)/\(name)" }
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    while url.path != "/" {
        url.deleteLastPathComponent()
        let candidate = url.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return name
}

/// How long a test waits for a child process that should finish on its own before killing it: far beyond any
/// command the tests run (the longest take seconds), so it only ends hangs.
package let commandTimeout: Double = 120

/// A child process that did not finish in time; it has been killed.
package struct CommandTimedOut: Error, CustomStringConvertible {
    package let description: String
}

/// Starts `executable` with `arguments`; stdout and stderr go to files (`<logs>.out`, `<logs>.err`) so a long run
/// cannot block on a pipe. `environment` adds (or, with nil, removes) variables of this process's environment.
package func startCommand(
    _ executable: String, _ arguments: [String], directory: String, environment: [String: String?] = [:]
) throws -> (Process, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if !environment.isEmpty {
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
    }
    let logs = "\(directory)/cmd-\(UUID().uuidString.prefix(8))"
    _ = FileManager.default.createFile(atPath: logs + ".out", contents: nil)
    _ = FileManager.default.createFile(atPath: logs + ".err", contents: nil)
    process.standardOutput = FileHandle(forWritingAtPath: logs + ".out")
    process.standardError = FileHandle(forWritingAtPath: logs + ".err")
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return (process, logs)
}

/// Waits until `process` has exited, at most `seconds`; past that it is killed and `CommandTimedOut` thrown, so a
/// hung child fails its test instead of hanging the run (`.timeLimit` cannot interrupt a blocking wait).
package func waitForExit(_ process: Process, timeout seconds: Double = commandTimeout, what: String) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline { usleep(5_000) }
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw CommandTimedOut(description: "\(what) did not exit within \(seconds) s; killed it")
    }
    process.waitUntilExit()  // returns at once: lets Foundation finish its bookkeeping of the exit
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass; returns whether it held. The deadline only
/// guards against hangs: callers wait for something observable rather than for a fixed time.
package func waitUntil(seconds: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if try condition() { return true }
        if Date() >= deadline { return false }
        usleep(10_000)
    }
}

/// Runs a command to completion (killed, and `CommandTimedOut` thrown, after `timeout` seconds).
package func runCommand(
    _ executable: String, _ arguments: [String], directory: String, environment: [String: String?] = [:],
    timeout: Double = commandTimeout
) throws -> CommandResult {
    let (process, logs) = try startCommand(executable, arguments, directory: directory, environment: environment)
    let what = ([URL(fileURLWithPath: executable).lastPathComponent] + arguments).joined(separator: " ")
    try waitForExit(process, timeout: timeout, what: String(what.prefix(300)))
    let out = (try? String(contentsOfFile: logs + ".out", encoding: .utf8)) ?? ""
    let err = (try? String(contentsOfFile: logs + ".err", encoding: .utf8)) ?? ""
    return CommandResult(status: process.terminationStatus, standardOutput: out, standardError: err)
}
