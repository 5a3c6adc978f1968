import VAECore
import VAENumerics

/// Deterministic latent draws: code i depends only on (seed, i), so results do not change with batching,
/// concurrency or the number of codes asked for.
enum LatentCodes {
    /// ε_i ~ N(0, I) of `zDim` values for code `index` of `seed`.
    package static func noise(seed: UInt64, index: Int, zDim: Int, into out: UnsafeMutablePointer<Float>) {
        var random = RandomSource(seed: seed, stream: UInt64(index) &+ 1)
        random.fillNormal(out, count: zDim)
    }

    /// `count` codes z_i = mean + temperature · std · ε_i, for i from `start` (0 unless a client splits a sample).
    package static func sample(
        seed: UInt64, start: Int = 0, count: Int, temperature: Float, mean: [Float], std: [Float]
    ) -> [Float] {
        precondition(start >= 0)
        let zDim = mean.count
        var z = [Float](repeating: 0, count: count * zDim)
        z.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<count {
                let code = buffer.baseAddress! + i * zDim
                noise(seed: seed, index: start + i, zDim: zDim, into: code)
                for j in 0..<zDim { code[j] = mean[j] + temperature * std[j] * code[j] }
            }
        }
        return z
    }
}
