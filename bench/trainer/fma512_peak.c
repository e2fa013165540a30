/* Twelve independent accumulators, as in fma_peak.c: enough to hide the
 * FMA latency (4 cycles) at two 512-bit FMAs per cycle. */
#include "fma512_peak.h"
#include "fma_peak.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define CHAINS 12

__attribute__((target("avx512f"))) static float fma512_loop(long iterations, float seed)
{
    __m512 acc[CHAINS];
    for (int i = 0; i < CHAINS; i++)
        acc[i] = _mm512_set1_ps(seed + (float)i);
    const __m512 a = _mm512_set1_ps(0.999999f);
    const __m512 b = _mm512_set1_ps(1e-7f);
    for (long n = 0; n < iterations; n++) {
#pragma GCC unroll 12
        for (int i = 0; i < CHAINS; i++)
            acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    }
    __m512 sum = acc[0];
    for (int i = 1; i < CHAINS; i++)
        sum = _mm512_add_ps(sum, acc[i]);
    return _mm512_reduce_add_ps(sum);
}

double bench_fma512_peak_gflops(double seconds)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f")) return 0.0;
    volatile float sink = 0.0f;
    long iterations = 1000000;
    double best = 0.0;
    double deadline = bench_now_ns() + seconds * 1e9;
    while (bench_now_ns() < deadline) {
        double t0 = bench_now_ns();
        sink += fma512_loop(iterations, sink);
        double dt = bench_now_ns() - t0;
        double gflops = (double)iterations * CHAINS * 16 * 2 / dt;
        if (gflops > best) best = gflops;
        if (dt < 5e6) iterations *= 2; /* trials of at least a few ms */
    }
    return best;
}
#else
double bench_fma512_peak_gflops(double seconds)
{
    (void)seconds;
    return 0.0;
}
#endif
