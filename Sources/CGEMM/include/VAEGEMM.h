#ifndef VAE_GEMM_H
#define VAE_GEMM_H

#include <stdint.h>

/// Single-precision GEMM through oneDNN, which picks its kernels by the CPU's features (CPUID), not by a table of
/// CPU models, so a CPU newer than the library still gets its best kernels.

/// Row-major `c = alpha * op(a) * op(b) + beta * c`; op(a) is m×k, op(b) is k×n. Returns oneDNN's status (0 = ok).
int vae_sgemm(int transpose_a, int transpose_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
              int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

/// The number of threads each GEMM uses, for every thread of the process (at least 1).
void vae_gemm_set_threads(int count);
int vae_gemm_threads(void);

/// A count for the calling thread alone, over the process-wide one (0: none); returns the previous override.
int vae_gemm_exchange_thread_override(int count);

/// Calls `body(context, start, end)` for `chunks` ranges of `step` items covering 0..<count, on as many OpenMP
/// threads (the calling thread is one): the threads oneDNN's GEMM already keeps spinning between products, so the
/// element-wise passes between GEMMs neither wake other threads nor compete with those spinners for cores.
typedef void (*vae_chunk_body)(void *context, int64_t start, int64_t end);
void vae_parallel_chunks(int chunks, int64_t count, int64_t step, vae_chunk_body body, void *context);

/// oneDNN's version.
int vae_gemm_version_major(void);
int vae_gemm_version_minor(void);
int vae_gemm_version_patch(void);

/// The instruction set oneDNN's kernels use (a `dnnl_cpu_isa_t` value): its own choice, lowered only by
/// DNNL_MAX_CPU_ISA.
unsigned vae_gemm_effective_isa(void);

/// The best instruction set this CPU's features allow (a `dnnl_cpu_isa_t` value), read from CPUID by the compiler's
/// `__builtin_cpu_supports`, which also checks that the OS saves the wide registers.
unsigned vae_cpu_feature_isa(void);

/// Writes the CPU's brand string from CPUID (e.g. "AMD EPYC 9R45"), trimmed, into `name` (at least 49 bytes).
void vae_cpu_model_name(char *name);

/// The CPU's display family and model from CPUID leaf 1 (e.g. 6 and 207 for Emerald Rapids).
void vae_cpu_family_model(int *family, int *model);

/// oneDNN's name for an instruction set value ("avx512_core_bf16", …), or "unknown".
const char *vae_gemm_isa_name(unsigned isa);

#endif
