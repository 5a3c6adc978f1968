import Testing
@testable import VAETraining

@Suite("The progress line fits the terminal")
struct ProgressLineTests {
    /// Progress with wide numbers: long counts, a large loss, a fast rate, hours left.
    static let cases: [BatchProgress] = [
        BatchProgress(epoch: 1, epochs: 1, batch: 107, batches: 469, samplesDone: 13_696, samplesTotal: 60_000,
                      runningLoss: 367.25, elapsedSeconds: 1.249),
        BatchProgress(epoch: 12, epochs: 150, batch: 4_690, batches: 46_875, samplesDone: 600_320,
                      samplesTotal: 6_000_000, runningLoss: 123_456.789, elapsedSeconds: 3_000),
        BatchProgress(epoch: 3, epochs: 15, batch: 1, batches: 469, samplesDone: 128, samplesTotal: 60_000,
                      runningLoss: 550.5, elapsedSeconds: 0.01),
    ]

    @Test(arguments: [80, 40, 30, 20, 12, 1])
    func neverReachesTheLastColumn(width: Int) {
        for progress in Self.cases {
            let line = ProgressLine.render(progress, width: width)
            #expect(line.count < width || (width <= 1 && line.isEmpty), "\(line.count) columns at \(width): \(line)")
            #expect(!line.contains("\n") && !line.contains("\r"))
        }
    }

    @Test func eightyColumnsShowTheBarTheLossAndTheWholeRunsETA() {
        let line = ProgressLine.render(Self.cases[2], width: 80)
        #expect(line.hasPrefix("epoch 3/15  "), "\(line)")
        #expect(line.contains("█") || line.contains("·"), "a bar: \(line)")
        #expect(line.contains("loss 550.50") && line.contains("run ETA"), "\(line)")
        // The issue's line, 81–83 columns before, now fits in 79 with its run's ETA.
        let issue = ProgressLine.render(Self.cases[0], width: 80)
        #expect(issue.count <= 79 && issue.contains("1/1  ") && issue.contains("107/469"), "\(issue)")
    }

    @Test func fortyColumnsKeepTheCountsAndTheRunsETA() {
        let line = ProgressLine.render(Self.cases[2], width: 40)
        #expect(line.hasPrefix("epoch 3/15") && line.contains("1/469") && line.contains("ETA"), "\(line)")
    }

    @Test func runETACountsTheLaterEpochs() {
        let p = Self.cases[2]  // 128 of 60,000 samples in 0.01 s, 12 more epochs after this one
        #expect(abs(p.runEtaSeconds - (p.etaSeconds + 12 * 60_000 * 0.01 / 128)) < 1e-9)
        #expect(ProgressLine.duration(4.94) == "4.9 s" && ProgressLine.duration(185) == "3 m 05 s")
        #expect(ProgressLine.duration(7_620) == "2 h 07 m")
    }
}
