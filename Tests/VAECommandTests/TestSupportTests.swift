import Foundation
import Testing
import VAETestSupport

/// The helpers other tests rely on to fail rather than hang or pass by accident.
@Suite("Test support")
struct TestSupportTests {
    @Test func aHungCommandIsKilledAtItsTimeoutAndFails() throws {
        let directory = temporaryDirectory()
        let started = Date()
        #expect(throws: CommandTimedOut.self) {
            try runCommand("/bin/sleep", ["600"], directory: directory, timeout: 0.5)
        }
        #expect(Date().timeIntervalSince(started) < 300, "the wait ended at the timeout, not with the command")
        let (process, _) = try startCommand("/bin/sleep", ["600"], directory: directory)
        #expect(throws: CommandTimedOut.self) { try waitForExit(process, timeout: 0.2, what: "sleep") }
        #expect(!process.isRunning && process.terminationReason == .uncaughtSignal, "killed")
    }

    @Test func agreementHoldsOnlyWithinTheToleranceForEveryPair() {
        #expect(agreement([1, 2, 3] as [Float], [1, 2.000_009, 3] as [Float], within: Tolerance.batching).holds)
        let far = agreement([1, 2, 3] as [Double], [1, 2.000_02, 3] as [Double], within: Tolerance.batching)
        #expect(!far.holds && far.outside == 1 && far.worst?.index == 1, "\(far)")
        #expect(!agreement([1, 2] as [Double], [1, 2, 3] as [Double], within: 1).holds, "lengths differ")
        #expect(!agreement([Double.nan], [Double.nan], within: 1).holds, "NaN is never within tolerance")
        #expect(pixelAgreement([10, 200], [11, 199]).holds)
        #expect(!pixelAgreement([10, 200], [12, 200]).holds)
    }
}
