import Foundation
import VAETestSupport

/// Runs `body` with a fresh temporary directory and removes it afterwards, whatever happens.
func withTemporaryDirectory<R>(_ name: String = #function, _ body: (String) throws -> R) throws -> R {
    let directory = temporaryDirectory(name)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try body(directory)
}
