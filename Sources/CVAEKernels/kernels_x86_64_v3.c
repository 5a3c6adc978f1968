// The kernels for x86-64-v3 (AVX2, FMA, BMI1/2, F16C, LZCNT, MOVBE); see kernels.c, and kernels_x86_64_v4.c for why
// the features are listed.
#if defined(__x86_64__)
#define VK_TABLE vk_kernels_x86_64_v3
#define VK_TARGET "avx2,bmi,bmi2,f16c,fma,lzcnt,movbe,xsave,cx16,popcnt,sahf,crc32,sse4.2"
#include "kernel_bodies.h"
#endif
