/* Choosing the kernels once, when a state is created. */
#include <stddef.h>

#include "lstm_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* F16C from CPUID leaf 1 (ECX bit 29): __builtin_cpu_supports knows it in
 * GCC but not in every clang. AVX2 and FMA come from the builtin, which
 * also checks that the OS saves the ymm registers. */
static int has_f16c(void)
{
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx >> 29) & 1u;
}
#endif

const CantusKernels *cantus_kernels_avx2(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_f16c())
        return &cantus_avx2_kernels;
#endif
    return NULL;
}
