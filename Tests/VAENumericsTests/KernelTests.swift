import Foundation
import Testing
import VAECore
import VAENumerics

@Suite("Element-wise kernels against double-precision references")
struct KernelTests {
    /// The guard against a silent slowdown of the passes between GEMMs: the kernels' copy in use is the widest this
    /// CPU runs, judged by the flags the OS lists in /proc/cpuinfo rather than by the compiler's test that picks it.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/cpuinfo"), "reads the CPU flags Linux lists"))
    func kernelsAreTheWidestCopyTheCPURuns() throws {
        #if arch(x86_64)
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let line = try #require(cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") })
        let flags = Set(line.split(separator: ":").last!.split(separator: " ").map(String.init))
        // The x86-64 psABI levels; lzcnt is "abm" in Linux's list.
        let v3: Set = ["cx16", "lahf_lm", "popcnt", "sse4_2", "ssse3", "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm",
                       "movbe", "xsave"]
        let v4 = v3.union(["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"])
        let widest = v4.isSubset(of: flags) ? "x86-64-v4" : v3.isSubset(of: flags) ? "x86-64-v3" : "baseline"
        #expect(Kernels.instructionSet == widest, "CPU flags: \(flags.sorted().joined(separator: " "))")
        #else
        #expect(Kernels.instructionSet == "baseline")
        #endif
    }

    @Test func bceMatchesReference() {
        var random = RandomSource(seed: 1)
        let n = 1000  // not a multiple of the 16 lanes: the tail loop is exercised too
        let logits = (0..<n).map { _ in (random.nextUnitFloat() * 2 - 1) * 30 }
        let target = (0..<n).map { _ in random.nextUnitFloat() }
        var gradient = [Float](repeating: 0, count: n)
        let sum = gradient.withUnsafeMutableBufferPointer {
            Kernels.bceWithLogits(logits: logits, target: target, gradient: $0.baseAddress!, count: n)
        }
        var reference = 0.0
        for i in 0..<n {
            let x = Double(logits[i]), t = Double(target[i])
            reference += max(x, 0) - t * x + log1p(exp(-abs(x)))
            let sigmoid = 1 / (1 + exp(-x))
            #expect(abs(Double(gradient[i]) - (sigmoid - t)) < 1e-6, "gradient \(i)")
        }
        #expect(abs(sum - reference) < 1e-4 * reference)
    }

    @Test func sigmoidOutputMatchesReference() {
        let values: [Float] = [-100, -20, -3, -0.5, 0, 0.5, 3, 20, 100]
        let y = FloatBuffer(values), bias = FloatBuffer([0])
        Kernels.biasSigmoid(y.pointer, bias: bias.pointer, rows: values.count, cols: 1)
        for (i, x) in values.enumerated() {
            #expect(abs(Double(y[i]) - 1 / (1 + exp(-Double(x)))) < 1e-7, "sigmoid(\(x))")
        }
    }

    @Test func adamMatchesPyTorchFormula() {
        // torch.optim.Adam: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²;
        // p -= lr/(1-b1^t) · m / (sqrt(v)/sqrt(1-b2^t) + eps)
        let n = 100
        var random = RandomSource(seed: 2)
        let start = (0..<n).map { _ in random.nextUnitFloat() - 0.5 }
        let parameters = FloatBuffer(start)
        let adam = Adam(parameterCount: n)
        var p = start.map(Double.init), m = [Double](repeating: 0, count: n), v = m
        for step in 1...5 {
            let g = (0..<n).map { _ in (random.nextUnitFloat() - 0.5) * Float(step) }
            adam.update(parameters, gradients: FloatBuffer(g), parallel: ParallelLoop(threadCount: 2))
            for i in 0..<n {
                m[i] = 0.9 * m[i] + 0.1 * Double(g[i])
                v[i] = 0.999 * v[i] + 0.001 * Double(g[i]) * Double(g[i])
                let denominator = v[i].squareRoot() / (1 - pow(0.999, Double(step))).squareRoot() + 1e-8
                p[i] -= 1e-3 / (1 - pow(0.9, Double(step))) * m[i] / denominator
            }
        }
        for i in 0..<n { #expect(abs(Double(parameters[i]) - p[i]) < 1e-6, "parameter \(i)") }
        #expect(adam.step == 5)
    }

    @Test func columnSumsAndReLUBackward() {
        let m = FloatBuffer([1, 2, 3, 4, 5, 6])
        let sums = FloatBuffer(count: 3)
        Kernels.columnSums(m.pointer, into: sums.pointer, rows: 2, cols: 3)
        #expect(sums.array == [5, 7, 9])
        let grad = FloatBuffer([1, 1, 1, 1]), activation = FloatBuffer([0, 2, -1, 0.5])
        Kernels.reluBackward(grad.pointer, activation: activation.pointer, rows: 2, cols: 2)
        #expect(grad.array == [0, 1, 0, 1])
    }

    @Test func byteConversionsRoundTrip() {
        let bytes = (0...255).map(UInt8.init)
        var floats = [Float](repeating: 0, count: 256), back = [UInt8](repeating: 0, count: 256)
        floats.withUnsafeMutableBufferPointer { Kernels.bytesToUnit(bytes, $0.baseAddress!, count: 256) }
        #expect(floats[255] == 1 && floats[0] == 0)
        back.withUnsafeMutableBufferPointer { Kernels.unitToBytes(floats, $0.baseAddress!, count: 256) }
        #expect(back == bytes)
    }

    @Test func gemmMatchesNaiveProduct() {
        // c = a · bᵀ with a 3×4 and b 2×4, then aᵀ-form: d = aᵀ · e with e 3×2.
        var random = RandomSource(seed: 3)
        let a = (0..<12).map { _ in random.nextUnitFloat() }, b = (0..<8).map { _ in random.nextUnitFloat() }
        var c = [Float](repeating: 0, count: 6)
        GEMM.multiply(transposeB: true, m: 3, n: 2, k: 4, a: a, lda: 4, b: b, ldb: 4, c: &c, ldc: 2)
        for i in 0..<3 {
            for j in 0..<2 {
                let expected = (0..<4).reduce(Float(0)) { $0 + a[i * 4 + $1] * b[j * 4 + $1] }
                #expect(abs(c[i * 2 + j] - expected) < 1e-5)
            }
        }
        var d = [Float](repeating: 0, count: 8)
        GEMM.multiply(transposeA: true, m: 4, n: 2, k: 3, a: a, lda: 4, b: c, ldb: 2, c: &d, ldc: 2)
        for i in 0..<4 {
            for j in 0..<2 {
                let expected = (0..<3).reduce(Float(0)) { $0 + a[$1 * 4 + i] * c[$1 * 2 + j] }
                #expect(abs(d[i * 2 + j] - expected) < 1e-5)
            }
        }
    }
}
