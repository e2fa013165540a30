/* Twelve independent accumulators: enough to cover FMA latency (4-5
 * cycles) times throughput (2 per cycle) on current x86 cores, so the loop
 * runs at the issue limit, not the dependency limit. */
#define _GNU_SOURCE
#include <time.h>

#include "fma_peak.h"

double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define CHAINS 12

__attribute__((target("avx2,fma"))) static float fma_loop(long iterations, float seed)
{
    __m256 acc[CHAINS];
    for (int i = 0; i < CHAINS; i++)
        acc[i] = _mm256_set1_ps(seed + (float)i);
    const __m256 a = _mm256_set1_ps(0.999999f);
    const __m256 b = _mm256_set1_ps(1e-7f);
    for (long n = 0; n < iterations; n++) {
#pragma GCC unroll 12
        for (int i = 0; i < CHAINS; i++)
            acc[i] = _mm256_fmadd_ps(acc[i], a, b);
    }
    __m256 sum = acc[0];
    for (int i = 1; i < CHAINS; i++)
        sum = _mm256_add_ps(sum, acc[i]);
    float out[8];
    _mm256_storeu_ps(out, sum);
    return out[0];
}

double bench_fma_peak_gflops(double seconds)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0.0;
    volatile float sink = 0.0f;
    long iterations = 1000000;
    double best = 0.0;
    double deadline = bench_now_ns() + seconds * 1e9;
    while (bench_now_ns() < deadline) {
        double t0 = bench_now_ns();
        sink += fma_loop(iterations, sink);
        double dt = bench_now_ns() - t0;
        double gflops = (double)iterations * CHAINS * 8 * 2 / dt;
        if (gflops > best) best = gflops;
        if (dt < 5e6) iterations *= 2; /* trials of at least a few ms */
    }
    return best;
}
#else
double bench_fma_peak_gflops(double seconds)
{
    (void)seconds;
    return 0.0;
}
#endif
