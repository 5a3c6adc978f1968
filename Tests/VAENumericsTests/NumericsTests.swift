import Testing
import VAENumerics

@Suite struct NumericsTests {
    @Test func normalQuantileKnownValues() {
        #expect(abs(normalQuantile(0.5)) < 1e-12)
        #expect(abs(normalQuantile(0.975) - 1.959963984540054) < 1e-9)
        #expect(abs(normalQuantile(0.05) + 1.6448536269514722) < 1e-9)
        #expect(abs(normalQuantile(1e-6) + 4.753424308822899) < 1e-7)
        #expect(linearSpace(from: 0.05, to: 0.95, count: 20).last == 0.95)
    }

    @Test func parallelLoopCoversEveryIndexOnce() {
        let count = 100_003
        let marks = FloatBuffer(count: count)
        ParallelLoop(threadCount: 4).forEachChunk(count: count, minimumChunk: 1000) { range in
            for i in range { marks.pointer[i] += 1 }
        }
        #expect(marks.array.allSatisfy { $0 == 1 })
    }
}

@Suite struct DurationTests {
    @Test func secondsIncludeTheWholeAndTheFractionalPart() {
        #expect(Duration.seconds(2).inSeconds == 2)
        #expect(Duration.milliseconds(1500).inSeconds == 1.5)
        #expect(abs(Duration.microseconds(3).inSeconds - 3e-6) < 1e-18)
    }
}
