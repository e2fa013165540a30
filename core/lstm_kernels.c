/* Choosing the kernels once, when a state is created. */
#include <stddef.h>

#include "lstm_kernels.h"

const CantusKernels *cantus_kernels_avx2(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("f16c"))
        return &cantus_avx2_kernels;
#endif
    return NULL;
}
