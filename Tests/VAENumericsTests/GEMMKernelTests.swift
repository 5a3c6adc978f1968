import Foundation
import Testing
import VAECore
import VAENumerics

@Suite("GEMM: oneDNN's kernels match the CPU, and products are right at training shapes")
struct GEMMKernelTests {
    /// The guard against a silent slowdown: a GEMM library that falls back to kernels older than the CPU (as
    /// OpenBLAS 0.3.21 did on Emerald Rapids, running SSE3 kernels on an AVX-512 CPU) fails here.
    @Test func kernelsAreTheBestTheCPUAllows() {
        let kernels = GEMM.kernels
        let limit = ProcessInfo.processInfo.environment["DNNL_MAX_CPU_ISA"]
        #expect(
            kernels.usesBestKernels,
            "GEMM runs \(kernels.instructionSet) kernels on a CPU that allows \(kernels.cpuInstructionSet) (\(kernels.cpuModel)); DNNL_MAX_CPU_ISA=\(limit ?? "unset")"
        )
        #expect(kernels.instructionSet != "unknown" && kernels.cpuInstructionSet != "unknown")
        #expect(!kernels.cpuModel.isEmpty)
    }

    /// Each GEMM form of a training step, on one and two threads, against a product in Double.
    @Test(arguments: [1, 2])
    func trainingShapesMatchADoubleProduct(threads: Int) {
        var random = RandomSource(seed: 11)
        let (rows, inputs, outputs) = (33, 97, 40)
        let x = (0..<rows * inputs).map { _ in random.nextUnitFloat() - 0.5 }
        let w = (0..<outputs * inputs).map { _ in random.nextUnitFloat() - 0.5 }
        let g = (0..<rows * outputs).map { _ in random.nextUnitFloat() - 0.5 }
        func worstError(_ c: [Float], _ m: Int, _ n: Int, _ k: Int, _ term: (Int, Int, Int) -> Double) -> Double {
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    let exact = (0..<k).reduce(0.0) { $0 + term(i, j, $1) }
                    worst = max(worst, abs(Double(c[i * n + j]) - exact))
                }
            }
            return worst
        }
        let errors = GEMM.withThreadCount(threads) {
            var y = [Float](repeating: 0, count: rows * outputs)  // forward: y = x · wᵀ
            GEMM.multiply(transposeB: true, m: rows, n: outputs, k: inputs, a: x, lda: inputs, b: w, ldb: inputs, c: &y, ldc: outputs)
            var dw = [Float](repeating: 0, count: outputs * inputs)  // weight gradient: dw = gᵀ · x
            GEMM.multiply(transposeA: true, m: outputs, n: inputs, k: rows, a: g, lda: outputs, b: x, ldb: inputs, c: &dw, ldc: inputs)
            var dx = [Float](repeating: 1, count: rows * inputs)  // input gradient, accumulated: dx = g · w + dx
            GEMM.multiply(m: rows, n: inputs, k: outputs, a: g, lda: outputs, b: w, ldb: inputs, beta: 1, c: &dx, ldc: inputs)
            return [
                worstError(y, rows, outputs, inputs) { Double(x[$0 * inputs + $2]) * Double(w[$1 * inputs + $2]) },
                worstError(dw, outputs, inputs, rows) { Double(g[$2 * outputs + $0]) * Double(x[$2 * inputs + $1]) },
                worstError(dx, rows, inputs, outputs) { i, j, p in
                    Double(g[i * outputs + p]) * Double(w[p * inputs + j]) + (p == 0 ? 1 : 0)
                },
            ]
        }
        // Sums of at most 97 products of numbers below 0.25 in magnitude: float rounding stays far below 1e-5.
        #expect(errors.allSatisfy { $0 < 1e-5 }, "worst errors \(errors) with \(threads) threads")
    }

    /// A thread's own count wins over the process-wide one, and ends with its scope.
    @Test func aThreadsOwnCountIsScoped() {
        let processWide = GEMM.threadCount
        GEMM.withThreadCount(processWide + 2) {
            #expect(GEMM.threadCount == processWide + 2)
            GEMM.withThreadCount(1) { #expect(GEMM.threadCount == 1) }
            #expect(GEMM.threadCount == processWide + 2)
        }
        #expect(GEMM.threadCount == processWide)
    }
}
