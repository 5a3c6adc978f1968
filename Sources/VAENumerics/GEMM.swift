import CGEMM

#if canImport(Glibc)
import Glibc
#endif

/// Matrix products through oneDNN's sgemm.
///
/// Why oneDNN and not OpenBLAS: OpenBLAS chooses its kernels from a table of CPU models, so on a CPU newer than the
/// installed library (Debian 12's 0.3.21 on Emerald Rapids) it falls back to SSE3 kernels at a fifth of the speed,
/// and `OPENBLAS_CORETYPE` can only be set before the library initialises. oneDNN chooses by CPU features, is what
/// PyTorch runs on CPUs, and measured faster than OpenBLAS's best kernels on every GEMM of a training step.
package enum GEMM {
    /// Sets how many threads each GEMM uses, in every thread of the process.
    package static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "GEMM thread count must be at least 1")
        vae_gemm_set_threads(Int32(clamping: count))
    }

    /// The number of threads each GEMM on the calling thread uses.
    package static var threadCount: Int { Int(vae_gemm_threads()) }

    /// Runs `body` with `count` GEMM threads for the calling thread only, whatever the process-wide count is or
    /// becomes meanwhile: results can depend on the thread count, and a trainer's must not change under it.
    package static func withThreadCount<Result, Failure: Error>(
        _ count: Int, _ body: () throws(Failure) -> Result
    ) throws(Failure) -> Result {
        precondition(count >= 1, "GEMM thread count must be at least 1")
        let previous = vae_gemm_exchange_thread_override(Int32(clamping: count))
        defer { _ = vae_gemm_exchange_thread_override(previous) }
        return try body()
    }

    /// `c = alpha * op(a) * op(b) + beta * c` on row-major matrices, where op(a) is m×k and op(b) is k×n.
    ///
    /// - Parameters:
    ///   - transposeA: use aᵀ (a is then stored k×m).
    ///   - transposeB: use bᵀ (b is then stored n×k).
    @inline(__always)
    package static func multiply(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM dimensions must not be negative")
        let status = vae_sgemm(
            transposeA ? 1 : 0, transposeB ? 1 : 0, Int64(m), Int64(n), Int64(k),
            alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
        precondition(status == 0, "oneDNN sgemm refused its arguments (status \(status))")
    }

    /// The GEMM library and the kernels it runs on this CPU.
    package static let kernels = GEMMKernels()
}

/// Which GEMM library runs, and whether its kernels are the best this CPU's features allow.
package struct GEMMKernels: Sendable, CustomStringConvertible {
    package let library = "oneDNN"
    package let version: String
    /// The instruction set of the kernels in use (oneDNN's name, e.g. `avx512_core_bf16`).
    package let instructionSet: String
    /// The best instruction set the CPU's features allow, read from CPUID.
    package let cpuInstructionSet: String
    /// Whether the kernels in use cover every feature the CPU offers (false only when limited, e.g. by
    /// `DNNL_MAX_CPU_ISA`, or on a CPU the library does not know how to use).
    package let usesBestKernels: Bool
    /// The CPU's brand string and display family and model from CPUID, e.g. "AMD EPYC (family 26, model 2)".
    package let cpuModel: String

    init() {
        var name = [CChar](repeating: 0, count: 64)
        vae_cpu_model_name(&name)
        var family: Int32 = 0, model: Int32 = 0
        vae_cpu_family_model(&family, &model)
        let brand = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        cpuModel = "\(brand.isEmpty ? "unknown CPU" : brand) (family \(family), model \(model))"
        version = "\(vae_gemm_version_major()).\(vae_gemm_version_minor()).\(vae_gemm_version_patch())"
        let effective = vae_gemm_effective_isa()
        let allowed = vae_cpu_feature_isa()
        instructionSet = String(cString: vae_gemm_isa_name(effective))
        cpuInstructionSet = String(cString: vae_gemm_isa_name(allowed))
        // oneDNN's ISA values are bit sets: each includes the bits of those it extends.
        usesBestKernels = effective & allowed == allowed
    }

    /// "oneDNN 2.6.3, avx512_core_bf16 kernels".
    package var summary: String { "\(library) \(version), \(instructionSet) kernels" }

    /// "best for this CPU", or why not: "weaker than this CPU's avx512_core_bf16, by DNNL_MAX_CPU_ISA=AVX2".
    package var verdict: String {
        if usesBestKernels { return "best for this CPU" }
        let weaker = "weaker than this CPU's \(cpuInstructionSet)"
        return getenv("DNNL_MAX_CPU_ISA").map { "\(weaker), by DNNL_MAX_CPU_ISA=\(String(cString: $0))" } ?? weaker
    }

    /// For logs: "oneDNN 2.6.3, avx512_core_bf16 kernels (best for this CPU)".
    package var description: String { "\(summary) (\(verdict))" }

    /// For a terminal: the description on one line when the kernels are the best, else the summary and the verdict
    /// on two, so that neither wraps at 80 columns.
    package var lines: [String] { usesBestKernels ? [description] : [summary, verdict] }
}
