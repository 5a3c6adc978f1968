import Foundation

/// The one-line progress bar that `vae train` redraws on a terminal, fitted to a width.
///
/// It never takes more than `width - 1` columns (a line that reaches the last column wraps on some terminals, and
/// each redraw then leaves a copy behind). Parts are dropped from the least useful up as the width shrinks: the
/// throughput, then the epoch's ETA, then the bar narrows and goes, then the loss; the epoch and batch counts and
/// the whole run's ETA go last.
package enum ProgressLine {
    /// The line for `progress` in at most `width - 1` columns (every character used is one column wide).
    package static func render(_ p: BatchProgress, width: Int) -> String {
        let budget = max(width - 1, 0)
        let epoch = "epoch \(p.epoch)/\(p.epochs)"
        let batches = "\(p.batch)/\(p.batches)"
        let loss = "loss \(String(format: "%.2f", p.runningLoss))"
        let rate = "\(Int(p.samplesPerSecond)) samples/s"
        let epochETA = "epoch ETA \(duration(p.etaSeconds))"
        let runETA = p.epoch < p.epochs ? "run ETA \(duration(p.runEtaSeconds))" : nil
        let shortETA = "ETA \(duration(p.epoch < p.epochs ? p.runEtaSeconds : p.etaSeconds))"
        // From the fullest form to the barest; the first that fits wins.
        let forms: [[String?]] = [
            [epoch, "BAR", batches, loss, rate, epochETA, runETA],
            [epoch, "BAR", batches, loss, epochETA, runETA],
            [epoch, "BAR", batches, loss, runETA ?? epochETA],
            [epoch, "BAR", batches, loss, shortETA],
            [epoch, batches, loss, shortETA],
            [epoch, batches, shortETA],
            [epoch, batches],
        ]
        for form in forms {
            let parts = form.compactMap { $0 }
            let text = parts.filter { $0 != "BAR" }
            let fixed = text.reduce(0) { $0 + $1.count } + (parts.count - 1) * 2
            guard parts.contains("BAR") else {
                if fixed <= budget { return parts.joined(separator: "  ") }
                continue
            }
            let barWidth = min(24, budget - fixed)
            guard barWidth >= 8 else { continue }
            let filled = p.batches > 0 ? barWidth * p.batch / p.batches : 0
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: barWidth - filled)
            return parts.map { $0 == "BAR" ? bar : $0 }.joined(separator: "  ")
        }
        return String("\(p.epoch)/\(p.epochs) \(batches)".prefix(budget))
    }

    /// "4.9 s", "12 s", "3 m 05 s", "2 h 07 m".
    package static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        if seconds < 10 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return "\(whole / 60) m \(String(format: "%02d", whole % 60)) s" }
        return "\(whole / 3600) h \(String(format: "%02d", whole % 3600 / 60)) m"
    }
}
