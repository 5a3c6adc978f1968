// One instruction set's copy of every kernel (declared in include/VAEKernels.h); see kernels.c.
#ifndef VAE_KERNEL_TABLE_H
#define VAE_KERNEL_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct vk_kernel_table {
    void (*bias_relu)(float *, const float *, size_t, size_t);
    void (*bias_add)(float *, const float *, size_t, size_t);
    void (*bias_sigmoid)(float *, const float *, size_t, size_t);
    void (*relu_backward)(float *, const float *, size_t, size_t);
    void (*column_sums)(const float *, float *, size_t, size_t);
    double (*bce_logits)(const float *, const float *, float *, size_t);
    void (*adam)(float *, const float *, float *, float *, size_t, float, float, float, float, float);
    void (*u8_to_unit)(const uint8_t *, float *, size_t);
    void (*unit_to_u8)(const float *, uint8_t *, size_t);
    void (*sparse_row_times_matrix)(const float *, size_t, const float *, size_t, float *);
    float (*exp_nonpositive)(float);
    float (*log1p_unit)(float);
};

extern const struct vk_kernel_table vk_kernels_x86_64_v4, vk_kernels_x86_64_v3, vk_kernels_baseline;

#endif
