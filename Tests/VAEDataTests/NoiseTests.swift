import Testing
import VAECore
import VAEData
import VAEFiles

@Suite("Denoising corruption")
struct NoiseTests {
    @Test(arguments: [0.05, 0.2, 0.5])
    func corruptedFractionMatchesWithinSamplingError(fraction: Float) throws {
        let noise = try NoiseCorruption(fraction: fraction)
        let n = 100_000
        // Start from zeros: a corrupted value becomes |N(0,1)| > 0 (almost surely), so it is countable.
        let clean = [Float](repeating: 0, count: n)
        var random = RandomSource(seed: 1)
        let noisy = noise.applied(to: clean, random: &random)
        let changed = noisy.filter { $0 != 0 }.count
        let p = Double(fraction), sigma = (p * (1 - p) / Double(n)).squareRoot()
        #expect(abs(Double(changed) / Double(n) - p) < 5 * sigma)
        #expect(noisy.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(clean.allSatisfy { $0 == 0 }, "the source (the target) is untouched")
        // Some values must have been clipped at 1 (|N(0,1)| > 1 about a third of the time).
        #expect(noisy.contains(1))
    }

    @Test func valuesStayInUnitIntervalFromAnyStart() throws {
        let noise = try NoiseCorruption(fraction: 1)
        var random = RandomSource(seed: 2)
        let start = (0..<1000).map { Float($0) / 999 }
        let noisy = noise.applied(to: start, random: &random)
        #expect(noisy.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(zip(start, noisy).allSatisfy { $1 >= $0 }, "noise is added, never subtracted")
    }

    @Test func sameSeedSameCorruption() throws {
        let noise = try NoiseCorruption(fraction: 0.3)
        var a = RandomSource(seed: 4), b = RandomSource(seed: 4)
        let x = [Float](repeating: 0.5, count: 500)
        #expect(noise.applied(to: x, random: &a) == noise.applied(to: x, random: &b))
    }

    @Test(arguments: [-0.1, 1.5, Float.nan, Float.infinity])
    func fractionsOutsideUnitIntervalAreRefused(fraction: Float) {
        #expect(throws: DataError.self) { try NoiseCorruption(fraction: fraction) }
    }
}
