import Testing
import VAECore

@Suite struct RandomTests {
    @Test func sameSeedSameSequenceOtherStreamOtherSequence() {
        var a = RandomSource(seed: 7), b = RandomSource(seed: 7), c = RandomSource(seed: 7, stream: 1)
        let x = (0..<8).map { _ in a.next() }
        #expect(x == (0..<8).map { _ in b.next() })
        #expect(x != (0..<8).map { _ in c.next() })
    }

    @Test func stateRestoresExactly() {
        var a = RandomSource(seed: 3)
        _ = (0..<5).map { _ in a.next() }
        var b = RandomSource(state: a.state)
        #expect((0..<5).map { _ in a.next() } == (0..<5).map { _ in b.next() })
    }

    @Test func normalsHaveUnitMomentsAndUniformsStayInRange() {
        var random = RandomSource(seed: 5)
        let n = 200_000
        var values = [Float](repeating: 0, count: n)
        values.withUnsafeMutableBufferPointer { random.fillNormal($0.baseAddress!, count: n) }
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(n)
        let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n)
        // Standard errors: 1/√n ≈ 0.0022 for the mean, √(2/n) ≈ 0.0032 for the variance; allow 5.
        #expect(abs(mean) < 0.011)
        #expect(abs(variance - 1) < 0.016)
        for _ in 0..<10_000 {
            let u = random.nextUnitFloat()
            #expect(u >= 0 && u < 1)
        }
    }

    @Test func permutationIsAPermutation() {
        var random = RandomSource(seed: 9)
        let order = random.permutation(1000)
        #expect(order.sorted() == Array(0..<1000))
        #expect(order != Array(0..<1000))
    }
}
