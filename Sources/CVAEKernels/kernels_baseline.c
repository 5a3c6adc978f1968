// The kernels for every CPU the build targets (on x86-64: SSE2); see kernels.c.
#define VK_TABLE vk_kernels_baseline
#include "kernel_bodies.h"
