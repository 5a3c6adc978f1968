// Element-wise kernels for the training and serving hot paths.
//
// GEMM lives in oneDNN (Sources/CGEMM); these are the passes between GEMMs, written so that clang vectorises them and built
// once per instruction set (AVX-512, AVX2, baseline); the first call picks the best copy the CPU runs (kernels.c).
// Every kernel works on a range so that callers can split one pass across threads.
#ifndef VAE_KERNELS_H
#define VAE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// y[r][c] = max(0, y[r][c] + bias[c]) for a row-major rows × cols block.
void vk_bias_relu(float *y, const float *bias, size_t rows, size_t cols);

/// y[r][c] += bias[c].
void vk_bias_add(float *y, const float *bias, size_t rows, size_t cols);

/// y[r][c] = sigmoid(y[r][c] + bias[c]).
void vk_bias_sigmoid(float *y, const float *bias, size_t rows, size_t cols);

/// In place: grad[r][c] = 0 where activation[r][c] <= 0 (ReLU backward through its output).
void vk_relu_backward(float *grad, const float *activation, size_t rows, size_t cols);

/// out[c] = sum over r of m[r][c] (the bias gradient of a dense layer).
void vk_column_sums(const float *m, float *out, size_t rows, size_t cols);

/// Binary cross-entropy of sigmoid(logits) against targets, summed, computed stably from the logits:
/// softplus(l) - t*l. Writes the gradient d/dl = sigmoid(l) - t into grad (may be NULL). Returns the sum.
double vk_bce_logits(const float *logits, const float *target, float *grad, size_t n);

/// Adam (PyTorch semantics, bias-corrected) over n contiguous parameters:
/// m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; p -= step_size * m / (sqrt(v)/bc2_sqrt + eps).
/// step_size = lr / (1 - b1^t), bc2_sqrt = sqrt(1 - b2^t).
void vk_adam(float *param, const float *grad, float *m, float *v, size_t n,
             float beta1, float beta2, float eps, float step_size, float bc2_sqrt);

/// dst[i] = src[i] / 255.
void vk_u8_to_unit(const uint8_t *src, float *dst, size_t n);

/// dst[i] = round(clamp(src[i], 0, 1) * 255).
void vk_unit_to_u8(const float *src, uint8_t *dst, size_t n);

/// Vectorised exp(x) for x <= 0 (flushes below -87 to about 1.6e-38), relative error about 2e-7.
float vk_exp_nonpositive(float x);

/// Vectorised log(1 + e) for e in [0, 1], absolute error about 1e-7.
float vk_log1p_unit(float e);

/// The instruction set of the kernels' copy in use: "x86-64-v4", "x86-64-v3" or "baseline".
const char *vk_instruction_set(void);

/// y = x · W for one row x of `inputs` values and an input-major W (`inputs` × `outputs`), skipping the zeros of x:
/// the rows of W that a zero multiplies are never read. For mostly-zero inputs (images' backgrounds).
void vk_sparse_row_times_matrix(const float *restrict x, size_t inputs, const float *restrict w, size_t outputs,
                                float *restrict y);

#endif
