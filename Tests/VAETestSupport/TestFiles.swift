import Foundation
import VAEData

/// A fresh temporary directory for one test.
public func temporaryDirectory(_ name: String = #function) -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("vae-tests-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString.prefix(8))").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// gzip-compresses with the system's gzip tool (an independent encoder for our zlib-based reader).
public func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
    let directory = temporaryDirectory("gzip")
    let path = "\(directory)/data"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-n", "-f", path]
    try process.run()
    process.waitUntilExit()
    return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
}

/// Writes a small MNIST-like dataset (4 IDX files) with `count` images of 28×28 per split.
public func writeSyntheticDataset(to directory: String, trainCount: Int = 64, testCount: Int = 16, gzip: Bool = false) throws {
    var random = SystemRandomNumberGenerator()
    func images(_ count: Int) -> IDXArray {
        IDXArray(dimensions: [count, 28, 28], values: (0..<(count * 784)).map { i in
            // A blob whose position depends on the label, plus a little noise.
            let image = i / 784, y = (i % 784) / 28, x = i % 28, label = image % 4
            let cx = 8 + (label % 2) * 12, cy = 8 + (label / 2) * 12
            let inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) < 30
            return inside ? UInt8(200 + Int.random(in: 0..<56, using: &random)) : UInt8(Int.random(in: 0..<20, using: &random))
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
public struct CommandResult: Sendable {
    public let status: Int32
    public let standardOutput: String
    public let standardError: String
}

/// Where the package's executables were built: beside the test bundle, or `VAE_BIN_DIR`.
public func builtExecutable(_ name: String) -> String {
    if let directory = ProcessInfo.processInfo.environment["VAE_BIN_DIR"] { return "\(directory)/\(name)" }
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    while url.path != "/" {
        url.deleteLastPathComponent()
        let candidate = url.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return name
}

/// Starts `executable` with `arguments`; stdout and stderr go to files so a long run cannot block on a pipe.
public func startCommand(_ executable: String, _ arguments: [String], directory: String) throws -> (Process, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let logs = "\(directory)/cmd-\(UUID().uuidString.prefix(8))"
    _ = FileManager.default.createFile(atPath: logs + ".out", contents: nil)
    _ = FileManager.default.createFile(atPath: logs + ".err", contents: nil)
    process.standardOutput = FileHandle(forWritingAtPath: logs + ".out")
    process.standardError = FileHandle(forWritingAtPath: logs + ".err")
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return (process, logs)
}

/// Runs a command to completion.
public func runCommand(_ executable: String, _ arguments: [String], directory: String) throws -> CommandResult {
    let (process, logs) = try startCommand(executable, arguments, directory: directory)
    process.waitUntilExit()
    let out = (try? String(contentsOfFile: logs + ".out", encoding: .utf8)) ?? ""
    let err = (try? String(contentsOfFile: logs + ".err", encoding: .utf8)) ?? ""
    return CommandResult(status: process.terminationStatus, standardOutput: out, standardError: err)
}
