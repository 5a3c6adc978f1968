import Foundation
import VAECore
import VAEFormat
import VAEModel

// Helpers for Tests/VaedTests/DaemonContractTests.swift: other users, exact environments, a model worth computing.

/// Why processes cannot be run as other users here, or nil when they can (root, with util-linux's setpriv).
package let cannotActAsOtherUsers: String? = {
    if getuid() != 0 { return "runs clients as other users, which needs root (running as uid \(getuid()))" }
    if !FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") {
        return "runs clients as other users with /usr/bin/setpriv (util-linux), which is not installed"
    }
    return nil
}()

/// The start of a command line that runs the rest as `uid`, with primary group `gid` and only `groups` besides.
package func asUser(uid: uid_t, gid: gid_t, groups: [gid_t] = []) -> [String] {
    let supplementary = groups.isEmpty ? "--clear-groups" : "--groups=" + groups.map(String.init).joined(separator: ",")
    return ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid)", supplementary]
}

/// A uid no account uses and no daemon has a `/tmp/vaed-<uid>` directory for, so a test can own that fallback path.
package func unusedUserID() -> uid_t {
    var uid = uid_t(61_000 + Int(getpid()) % 3_000)
    while getpwuid(uid) != nil || FileManager.default.fileExists(atPath: "/tmp/vaed-\(uid)") { uid += 1 }
    return uid
}

/// What a sanitizer build reads in every process it starts: where its reports go, and how it exits after one.
/// Children with an exact environment keep them, so that a sanitized vaed a test starts reports where the run
/// (Tools/sanitize) collects reports, not only on a standard error the test throws away. Unset in ordinary runs.
let sanitizerVariables: Set = ["TSAN_OPTIONS", "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"]

/// `environment` as the whole environment of a child: every other variable of this process removed (but the
/// sanitizers' options).
func exactly(_ environment: [String: String]) -> [String: String?] {
    var exact: [String: String?] = [:]
    for key in ProcessInfo.processInfo.environment.keys where !sanitizerVariables.contains(key) {
        exact.updateValue(nil, forKey: key)
    }
    for (key, value) in environment { exact[key] = value }
    return exact
}

/// Starts `command` (the executable first) with exactly `environment`; stdout and stderr go to files in
/// `directory`, whose common path (without `.out`/`.err`) is returned.
package func startProcess(_ command: [String], environment: [String: String], directory: String) throws
    -> (Process, String)
{
    try startCommand(command[0], Array(command.dropFirst()), directory: directory, environment: exactly(environment))
}

/// Runs `command` with exactly `environment` to completion (killed, and `CommandTimedOut` thrown, past the
/// command timeout).
package func runProcess(_ command: [String], environment: [String: String], directory: String) throws -> CommandResult {
    try runCommand(command[0], Array(command.dropFirst()), directory: directory, environment: exactly(environment))
}

/// Polls until `path` exists, up to `seconds` (a hang guard): for sockets a test cannot connect to itself.
package func waitForFile(_ path: String, seconds: Double = 30) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if FileManager.default.fileExists(atPath: path) { return true }
        usleep(20_000)
    }
    return false
}

/// Waits for `process` to exit, up to `seconds` (a hang guard); kills it if it has not.
/// - Returns: its exit status, or nil when it had to be killed.
package func waitForExit(_ process: Process, seconds: Double = 30) -> Int32? {
    do { try waitForExit(process, timeout: seconds, what: "") } catch { return nil }
    return process.terminationStatus
}

/// A VAE of 4×4 images with wide hidden layers, written atomically to `path`: each row costs real compute, and
/// answers stay small (16 pixels an image).
package func writeWideModelFile(hidden: [Int], seed: UInt64 = 11, to path: String) throws {
    try writeModelFile(Architecture(kind: .vae, input: ImageShape(height: 4, width: 4), hidden: hidden, zDim: 2),
                       seed: seed, to: path)
}
