import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The width of the terminal on standard error, in columns: TIOCGWINSZ, else $COLUMNS, else 80. Read again after
/// each SIGWINCH (`TrainingSignals`), so a resized window gets a fitting progress line at the next redraw.
final class TerminalWidth {
    private var columns = 80

    var current: Int {
        if TrainingSignals.takeWindowChange() { columns = Self.query() }
        return columns
    }

    static func query() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text), columns > 0 {
            return columns
        }
        return 80
    }
}

@available(*, unavailable)
extension TerminalWidth: Sendable {}

/// Short log lines for a person at a terminal: the message and its metadata, "warning:" or "error:" before
/// problems, no timestamp or label (files and pipes keep swift-log's full format).
struct TerminalLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String) {}

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        FileHandle.standardError.write(Data((Self.line(level: event.level, message: event.message, metadata: merged) + "\n").utf8))
    }

    static func line(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata) -> String {
        let prefix = level >= .error ? "error: " : level >= .warning ? "warning: " : ""
        let fields = metadata.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        return prefix + message.description + fields
    }
}
