import VAECore
import VAEModel
import VAENumerics

/// Figures that put training speed in context: the machine's sgemm peak and the GEMM-only floor of an epoch.
package enum TrainingBenchmark {
    /// sgemm GFLOP/s on square `size`³ products with the current GEMM thread count (best of `repeats`).
    package static func sgemmPeak(size: Int = 1024, repeats: Int = 5) -> Double {
        let a = FloatBuffer(count: size * size), b = FloatBuffer(count: size * size), c = FloatBuffer(count: size * size)
        var random = RandomSource(seed: 42)
        for i in 0..<(size * size) {
            a.pointer[i] = random.nextUnitFloat()
            b.pointer[i] = random.nextUnitFloat()
        }
        var best = Double.infinity
        for _ in 0..<repeats {
            let seconds = time {
                GEMM.multiply(m: size, n: size, k: size, a: a.pointer, lda: size, b: b.pointer, ldb: size,
                          c: c.pointer, ldc: size)
            }
            best = min(best, seconds)
        }
        return 2 * Double(size * size * size) / best / 1e9
    }

    /// Floating-point operations per training sample: forward, weight gradients, and input gradients for every
    /// layer but the first (the trainer skips dL/dx).
    package static func trainingFlopsPerSample(_ architecture: Architecture) -> Double {
        let layout = ParameterLayout(architecture)
        let macs = layout.layers.enumerated().reduce(0) { total, item in
            let (index, layer) = item
            let weights = layer.inputs * layer.outputs
            return total + weights * (index == 0 ? 2 : 3)
        }
        return 2 * Double(macs)
    }

    /// Seconds that the GEMMs alone of one epoch take (the same calls and shapes as a training step).
    package static func gemmOnlyEpochSeconds(_ architecture: Architecture, samples: Int, batchSize: Int) -> Double {
        let layout = ParameterLayout(architecture)
        let widest = layout.layers.map { max($0.inputs, $0.outputs) }.max() ?? 1
        let parameters = FloatBuffer(count: layout.parameterCount), gradients = FloatBuffer(count: layout.parameterCount)
        let x = FloatBuffer(count: batchSize * widest), y = FloatBuffer(count: batchSize * widest)
        let batches = (samples + batchSize - 1) / batchSize
        return time {
            for batch in 0..<batches {
                let rows = min(batchSize, samples - batch * batchSize)
                for layer in layout.layers {
                    GEMM.multiply(transposeB: true, m: rows, n: layer.outputs, k: layer.inputs, a: x.pointer, lda: layer.inputs,
                              b: parameters.pointer + layer.weightOffset, ldb: layer.inputs, c: y.pointer, ldc: layer.outputs)
                }
                for (index, layer) in layout.layers.enumerated().reversed() {
                    GEMM.multiply(transposeA: true, m: layer.outputs, n: layer.inputs, k: rows, a: y.pointer, lda: layer.outputs,
                              b: x.pointer, ldb: layer.inputs, c: gradients.pointer + layer.weightOffset, ldc: layer.inputs)
                    if index > 0 {
                        GEMM.multiply(m: rows, n: layer.inputs, k: layer.outputs, a: y.pointer, lda: layer.outputs,
                                  b: parameters.pointer + layer.weightOffset, ldb: layer.inputs, c: x.pointer, ldc: layer.inputs)
                    }
                }
            }
        }
    }

    static func time(_ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        return clock.measure(body).inSeconds
    }
}
