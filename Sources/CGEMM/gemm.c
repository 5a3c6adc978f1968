#include "VAEGEMM.h"

#include <oneapi/dnnl/dnnl.h>
#include <cpuid.h>
#include <stdatomic.h>
#include <string.h>

// libgomp's API (Debian's oneDNN runs its threads through OpenMP). Declared here rather than through <omp.h>, which
// only GCC's include folder has, not the Swift toolchain's clang.
extern void omp_set_num_threads(int count);
extern int omp_get_max_threads(void);
extern int omp_get_thread_num(void);
extern int omp_get_num_threads(void);
// What GCC compiles `#pragma omp parallel num_threads(n)` to. Called directly because the Swift toolchain's clang
// would need LLVM's OpenMP runtime for the pragma, and one process must not run two OpenMP runtimes.
extern void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);

static atomic_int gemm_threads = 1;
// A trainer's own count, so that two trainers in one process (tests) cannot change each other's GEMM threads and
// with them the bits of their results.
static _Thread_local int thread_override = 0;

void vae_gemm_set_threads(int count) { atomic_store(&gemm_threads, count < 1 ? 1 : count); }

int vae_gemm_threads(void) {
    return thread_override > 0 ? thread_override : atomic_load(&gemm_threads);
}

int vae_gemm_exchange_thread_override(int count) {
    int previous = thread_override;
    thread_override = count < 0 ? 0 : count;
    return previous;
}

int vae_sgemm(int transpose_a, int transpose_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
              int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    // OpenMP's thread count is per calling thread, while callers set one count for the whole process (training
    // threads and the daemon's compute threads alike): apply it here, where it is cheap to check.
    int threads = vae_gemm_threads();
    if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
    return (int)dnnl_sgemm(transpose_a ? 'T' : 'N', transpose_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c,
                           ldc);
}

int vae_gemm_version_major(void) { return dnnl_version()->major; }
int vae_gemm_version_minor(void) { return dnnl_version()->minor; }
int vae_gemm_version_patch(void) { return dnnl_version()->patch; }

unsigned vae_gemm_effective_isa(void) { return (unsigned)dnnl_get_effective_cpu_isa(); }

unsigned vae_cpu_feature_isa(void) {
    __builtin_cpu_init();
    int avx512_core = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    if (avx512_core) {
        // AMX is not tested here: oneDNN's f32 GEMM has no AMX kernels, and AMX also needs a permission request
        // from the OS.
        if (__builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512vnni"))
            return dnnl_cpu_isa_avx512_core_bf16;
        if (__builtin_cpu_supports("avx512vnni")) return dnnl_cpu_isa_avx512_core_vnni;
        return dnnl_cpu_isa_avx512_core;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        if (__builtin_cpu_supports("avxvnni")) return dnnl_cpu_isa_avx2_vnni;
        return dnnl_cpu_isa_avx2;
    }
    if (__builtin_cpu_supports("avx")) return dnnl_cpu_isa_avx;
    if (__builtin_cpu_supports("sse4.1")) return dnnl_cpu_isa_sse41;
    return dnnl_cpu_isa_all;
}

const char *vae_gemm_isa_name(unsigned isa) {
    switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_all: return "any";
    default: return "unknown";
    }
}

void vae_cpu_model_name(char *name) {
    unsigned words[12] = {0};
    unsigned eax, ebx, ecx, edx;
    name[0] = 0;
    if (__get_cpuid(0x80000000, &eax, &ebx, &ecx, &edx) == 0 || eax < 0x80000004) return;
    for (unsigned leaf = 0; leaf < 3; leaf++)
        __get_cpuid(0x80000002 + leaf, &words[4 * leaf], &words[4 * leaf + 1], &words[4 * leaf + 2], &words[4 * leaf + 3]);
    memcpy(name, words, 48);
    name[48] = 0;
    size_t start = strspn(name, " "), end = strlen(name);
    while (end > start && name[end - 1] == ' ') end--;
    memmove(name, name + start, end - start);
    name[end - start] = 0;
}

struct chunk_job {
    vae_chunk_body body;
    void *context;
    int64_t count, step;
    int chunks;
};

static void run_chunks(void *data) {
    const struct chunk_job *job = data;
    int threads = omp_get_num_threads();
    for (int chunk = omp_get_thread_num(); chunk < job->chunks; chunk += threads) {
        int64_t start = chunk * job->step, end = start + job->step;
        if (start >= job->count) break;
        job->body(job->context, start, end < job->count ? end : job->count);
    }
}

void vae_parallel_chunks(int chunks, int64_t count, int64_t step, vae_chunk_body body, void *context) {
    struct chunk_job job = {body, context, count, step, chunks};
    GOMP_parallel(run_chunks, &job, (unsigned)chunks, 0);
}

void vae_cpu_family_model(int *family, int *model) {
    unsigned eax = 0, ebx, ecx, edx;
    __get_cpuid(1, &eax, &ebx, &ecx, &edx);
    unsigned base_family = (eax >> 8) & 0xf, base_model = (eax >> 4) & 0xf;
    *family = (int)(base_family == 0xf ? base_family + ((eax >> 20) & 0xff) : base_family);
    *model = (int)(base_family == 0x6 || base_family == 0xf ? (((eax >> 16) & 0xf) << 4) | base_model : base_model);
}
