// sgemm GFLOP/s of oneDNN (what the project uses) and OpenBLAS (what it used before) on the GEMM shapes of a
// training step and of serving, with each result checked against a product in double precision.
//
//   cc -O2 Tools/bench/sgemm_libraries.c -o /tmp/sgemm_libraries -ldnnl -lopenblas -lm   # apt-get install libopenblas-dev
//   OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 /tmp/sgemm_libraries
//   OPENBLAS_CORETYPE=SkylakeX /tmp/sgemm_libraries         # OpenBLAS's kernels are chosen by this variable, if set
#include <cblas.h>
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

extern char *openblas_get_corename(void);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    // m, n, k and which operand is transposed: a dense layer's forward (x·wᵀ), weight gradient (gᵀ·x) and input
    // gradient (g·w) for batch 128 and the 784-400 layer, a square product, and serving batches of 16 and 1.
    struct { int m, n, k, ta, tb; const char *what; } shapes[] = {
        {128, 400, 784, 0, 1, "forward 128x400x784"}, {400, 784, 128, 1, 0, "weight grad 400x784x128"},
        {128, 784, 400, 0, 0, "input grad 128x784x400"}, {1024, 1024, 1024, 0, 0, "square 1024^3"},
        {16, 400, 784, 0, 1, "serving 16x400x784"}, {1, 400, 784, 0, 1, "serving 1x400x784"},
    };
    const dnnl_version_t *v = dnnl_version();
    printf("oneDNN %d.%d.%d, OpenBLAS core %s\n", v->major, v->minor, v->patch, (cblas_sgemm(CblasRowMajor,
           CblasNoTrans, CblasNoTrans, 0, 0, 0, 1, NULL, 1, NULL, 1, 0, NULL, 1), openblas_get_corename()));
    printf("%-26s %12s %12s   (GFLOP/s, best of repeats; worst error vs double)\n", "shape", "oneDNN", "OpenBLAS");
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        int m = shapes[s].m, n = shapes[s].n, k = shapes[s].k, ta = shapes[s].ta, tb = shapes[s].tb;
        float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
        double *exact = malloc(sizeof(double) * m * n);
        srand(1);
        for (long i = 0; i < (long)m * k; i++) a[i] = rand() / (float)RAND_MAX - 0.5f;
        for (long i = 0; i < (long)k * n; i++) b[i] = rand() / (float)RAND_MAX - 0.5f;
        int lda = ta ? m : k, ldb = tb ? k : n;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++)
                    sum += (double)(ta ? a[(long)p * m + i] : a[(long)i * k + p]) * (tb ? b[(long)j * k + p] : b[(long)p * n + j]);
                exact[(long)i * n + j] = sum;
            }
        int repeats = (double)m * n * k > 1e8 ? 20 : 300;
        double gflops[2], error[2];
        for (int library = 0; library < 2; library++) {
            double best = 1e30;
            for (int r = 0; r < repeats; r++) {
                double t = now();
                if (library == 0)
                    dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1, a, lda, b, ldb, 0, c, n);
                else
                    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1,
                                a, lda, b, ldb, 0, c, n);
                t = now() - t;
                if (t < best) best = t;
            }
            gflops[library] = 2.0 * m * n * k / best / 1e9;
            error[library] = 0;
            for (long i = 0; i < (long)m * n; i++) error[library] = fmax(error[library], fabs(c[i] - exact[i]));
        }
        printf("%-26s %12.1f %12.1f   (errors %.1e, %.1e)\n", shapes[s].what, gflops[0], gflops[1], error[0], error[1]);
        free(a), free(b), free(c), free(exact);
    }
    return 0;
}
