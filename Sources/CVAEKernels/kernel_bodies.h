// The element-wise kernels' bodies, compiled once per instruction set: kernels_x86_64_v4.c, kernels_x86_64_v3.c and
// kernels_baseline.c each include this file with VK_TABLE, the name of the table of their copies (at the end), and
// VK_TARGET, the instruction set every function here is compiled for (none: the build's own). kernels.c picks a
// table. Everything else is static, so the three copies do not clash.
#include "kernel_table.h"

#include <math.h>
#include <string.h>

#ifdef VK_TARGET
// A target string clang does not understand must stop the build, not quietly give baseline code.
#pragma clang diagnostic error "-Wignored-attributes"
#pragma clang attribute push(__attribute__((target(VK_TARGET))), apply_to = function)
#endif

// Partial sums kept in independent lanes let clang vectorise the reduction without -ffast-math,
// and keep the summation order fixed (same bits on every run).
#define VK_LANES 16

static inline float exp_nonpositive(float x) {
    // Cephes expf: x = n ln2 + r, |r| <= ln2/2, exp(r) by a degree-6 polynomial, 2^n by building the exponent.
    x = fmaxf(x, -87.0f);
    float n = __builtin_roundevenf(x * 1.44269504088896341f);
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float log1p_unit(float e) {
    // log(1+e) = 2 atanh(s), s = e / (2 + e) in [0, 1/3]: the odd series converges fast and stays exact for tiny e.
    float s = e / (2.0f + e), s2 = s * s;
    float q = 1.0f / 15;
    q = q * s2 + 1.0f / 13;
    q = q * s2 + 1.0f / 11;
    q = q * s2 + 1.0f / 9;
    q = q * s2 + 1.0f / 7;
    q = q * s2 + 1.0f / 5;
    q = q * s2 + 1.0f / 3;
    return 2.0f * s * (q * s2 + 1.0f);
}

static void bias_relu(float *restrict y, const float *restrict bias, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        float *row = y + r * cols;
        for (size_t c = 0; c < cols; c++) row[c] = fmaxf(row[c] + bias[c], 0.0f);
    }
}

static void bias_add(float *restrict y, const float *restrict bias, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        float *row = y + r * cols;
        for (size_t c = 0; c < cols; c++) row[c] += bias[c];
    }
}

static void bias_sigmoid(float *restrict y, const float *restrict bias, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        float *row = y + r * cols;
        for (size_t c = 0; c < cols; c++) {
            float x = row[c] + bias[c];
            float e = exp_nonpositive(-fabsf(x));
            float inv = 1.0f / (1.0f + e);
            row[c] = x >= 0 ? inv : e * inv;
        }
    }
}

static void relu_backward(float *restrict grad, const float *restrict activation, size_t rows, size_t cols) {
    size_t n = rows * cols;
    for (size_t i = 0; i < n; i++) grad[i] = activation[i] > 0.0f ? grad[i] : 0.0f;
}

static void column_sums(const float *restrict m, float *restrict out, size_t rows, size_t cols) {
    for (size_t c = 0; c < cols; c++) out[c] = 0.0f;
    for (size_t r = 0; r < rows; r++) {
        const float *row = m + r * cols;
        for (size_t c = 0; c < cols; c++) out[c] += row[c];
    }
}

static inline float bce_term(float x, float t, float *g) {
    float e = exp_nonpositive(-fabsf(x));
    float inv = 1.0f / (1.0f + e);
    *g = (x >= 0 ? inv : e * inv) - t;
    return fmaxf(x, 0.0f) + log1p_unit(e) - t * x;
}

static double bce_logits(const float *restrict logits, const float *restrict target, float *restrict grad, size_t n) {
    float lane[VK_LANES] = {0};
    float scratch[VK_LANES];
    float *out = grad;
    size_t i = 0;
    for (; i + VK_LANES <= n; i += VK_LANES) {
        float *g = out ? out + i : scratch;
        for (int j = 0; j < VK_LANES; j++) lane[j] += bce_term(logits[i + j], target[i + j], &g[j]);
    }
    double sum = 0;
    for (int j = 0; j < VK_LANES; j++) sum += lane[j];
    for (; i < n; i++) {
        float g;
        sum += bce_term(logits[i], target[i], &g);
        if (out) out[i] = g;
    }
    return sum;
}

static void adam(float *restrict param, const float *restrict grad, float *restrict m, float *restrict v, size_t n,
                 float beta1, float beta2, float eps, float step_size, float bc2_sqrt) {
    const float one_minus_b1 = 1.0f - beta1, one_minus_b2 = 1.0f - beta2;
    for (size_t i = 0; i < n; i++) {
        float g = grad[i];
        float mi = beta1 * m[i] + one_minus_b1 * g;
        float vi = beta2 * v[i] + one_minus_b2 * g * g;
        m[i] = mi;
        v[i] = vi;
        param[i] -= step_size * mi / (sqrtf(vi) / bc2_sqrt + eps);
    }
}

static void u8_to_unit(const uint8_t *restrict src, float *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = (float)src[i] / 255.0f;
}

static void unit_to_u8(const float *restrict src, uint8_t *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float x = fminf(fmaxf(src[i], 0.0f), 1.0f);
        dst[i] = (uint8_t)(x * 255.0f + 0.5f);
    }
}

static void sparse_row_times_matrix(const float *restrict x, size_t inputs, const float *restrict w, size_t outputs,
                                    float *restrict y) {
    memset(y, 0, outputs * sizeof(float));
    for (size_t i = 0; i < inputs; i++) {
        float v = x[i];
        if (v == 0.0f) continue;
        const float *row = w + i * outputs;
        for (size_t j = 0; j < outputs; j++) y[j] += v * row[j];
    }
}

const struct vk_kernel_table VK_TABLE = {
    bias_relu, bias_add, bias_sigmoid, relu_backward, column_sums, bce_logits, adam, u8_to_unit, unit_to_u8,
    sparse_row_times_matrix, exp_nonpositive, log1p_unit,
};

#ifdef VK_TARGET
#pragma clang attribute pop
#endif
