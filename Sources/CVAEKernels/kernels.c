#include "VAEKernels.h"

#include "kernel_table.h"

#include <stdatomic.h>

// Each kernel is compiled three times from one body (kernel_bodies.h): for x86-64-v4 (AVX-512), x86-64-v3 (AVX2)
// and the baseline, and every call goes through the table of the best copy this CPU runs, chosen at the first call.
//
// Why not the compiler's multiversioning (`target_clones`), which this replaced: it dispatches through GNU ifuncs,
// whose resolvers the dynamic loader runs while it relocates the program, before any sanitizer runtime has started.
// Built with --sanitize=thread or --sanitize=address the resolvers are instrumented too, and every program died
// there, before main. Here the choice is ordinary code that runs after start-up. It makes the resolvers' own test
// (`__builtin_cpu_supports` of "x86-64-v4", then of "x86-64-v3"), so every CPU gets the copy it got before, and a
// call costs one load and one indirect call, as the ifunc's PLT entry did.

static _Atomic(const struct vk_kernel_table *) chosen;

static const struct vk_kernel_table *kernels(void) {
    const struct vk_kernel_table *table = atomic_load_explicit(&chosen, memory_order_acquire);
    if (table) return table;
    // Threads that get here at once all choose the same table, so whichever store lands last is right.
#if defined(__x86_64__)
    __builtin_cpu_init();
    table = __builtin_cpu_supports("x86-64-v4")   ? &vk_kernels_x86_64_v4
            : __builtin_cpu_supports("x86-64-v3") ? &vk_kernels_x86_64_v3
                                                  : &vk_kernels_baseline;
#else
    table = &vk_kernels_baseline;
#endif
    atomic_store_explicit(&chosen, table, memory_order_release);
    return table;
}

const char *vk_instruction_set(void) {
    const struct vk_kernel_table *table = kernels();
#if defined(__x86_64__)
    if (table == &vk_kernels_x86_64_v4) return "x86-64-v4";
    if (table == &vk_kernels_x86_64_v3) return "x86-64-v3";
#endif
    return "baseline";
}

void vk_bias_relu(float *y, const float *bias, size_t rows, size_t cols) { kernels()->bias_relu(y, bias, rows, cols); }

void vk_bias_add(float *y, const float *bias, size_t rows, size_t cols) { kernels()->bias_add(y, bias, rows, cols); }

void vk_bias_sigmoid(float *y, const float *bias, size_t rows, size_t cols) {
    kernels()->bias_sigmoid(y, bias, rows, cols);
}

void vk_relu_backward(float *grad, const float *activation, size_t rows, size_t cols) {
    kernels()->relu_backward(grad, activation, rows, cols);
}

void vk_column_sums(const float *m, float *out, size_t rows, size_t cols) { kernels()->column_sums(m, out, rows, cols); }

double vk_bce_logits(const float *logits, const float *target, float *grad, size_t n) {
    return kernels()->bce_logits(logits, target, grad, n);
}

void vk_adam(float *param, const float *grad, float *m, float *v, size_t n, float beta1, float beta2, float eps,
             float step_size, float bc2_sqrt) {
    kernels()->adam(param, grad, m, v, n, beta1, beta2, eps, step_size, bc2_sqrt);
}

void vk_u8_to_unit(const uint8_t *src, float *dst, size_t n) { kernels()->u8_to_unit(src, dst, n); }

void vk_unit_to_u8(const float *src, uint8_t *dst, size_t n) { kernels()->unit_to_u8(src, dst, n); }

void vk_sparse_row_times_matrix(const float *restrict x, size_t inputs, const float *restrict w, size_t outputs,
                                float *restrict y) {
    kernels()->sparse_row_times_matrix(x, inputs, w, outputs, y);
}

float vk_exp_nonpositive(float x) { return kernels()->exp_nonpositive(x); }

float vk_log1p_unit(float e) { return kernels()->log1p_unit(e); }
