// The kernels for x86-64-v4 (AVX-512F/BW/CD/DQ/VL and everything of x86-64-v3); see kernels.c.
//
// The level's features are listed rather than named "arch=x86-64-v4": that would also bring LLVM's tuning for the
// x86-64-v4 model, which prefers 256-bit vectors, while these copies keep the generic tuning (and the 512-bit
// vectors) that `target_clones("arch=x86-64-v4")` gave them before: the same machine code, instruction for instruction.
#if defined(__x86_64__)
#define VK_TABLE vk_kernels_x86_64_v4
#define VK_TARGET                                                                                                     \
    "avx2,bmi,bmi2,f16c,fma,lzcnt,movbe,xsave,cx16,popcnt,sahf,crc32,sse4.2,avx512f,avx512bw,avx512cd,avx512dq,avx512vl"
#include "kernel_bodies.h"
#endif
