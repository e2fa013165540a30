/* Twelve independent accumulators: enough to cover FMA latency (4-5
 * cycles) times throughput (2 per cycle) on current x86 cores, so the loop
 * runs at the issue limit, not the dependency limit. The same chains are
 * written once for both vector widths, 256 bits (AVX2) and 512 (AVX-512). */
#define _GNU_SOURCE
#include <time.h>

#include "fma_peak.h"

double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>

#define CHAINS 12

/* `name`(iterations, seed) runs CHAINS chains of `iterations` FMAs each on
 * vectors of type `vec` and returns one lane of their sum, so the compiler
 * cannot drop them. */
#define FMA_CHAINS(name, isa_target, vec, set1, fmadd, add, first_lane)                            \
    __attribute__((target(isa_target))) static float name(long iterations, float seed)             \
    {                                                                                              \
        vec acc[CHAINS];                                                                           \
        for (int i = 0; i < CHAINS; i++)                                                           \
            acc[i] = set1(seed + (float)i);                                                        \
        const vec a = set1(0.999999f);                                                             \
        const vec b = set1(1e-7f);                                                                 \
        for (long n = 0; n < iterations; n++) {                                                    \
            _Pragma("GCC unroll 12") for (int i = 0; i < CHAINS; i++)                              \
            {                                                                                      \
                acc[i] = fmadd(acc[i], a, b);                                                      \
            }                                                                                      \
        }                                                                                          \
        vec sum = acc[0];                                                                          \
        for (int i = 1; i < CHAINS; i++)                                                           \
            sum = add(sum, acc[i]);                                                                \
        return first_lane(sum);                                                                    \
    }

FMA_CHAINS(fma256_chains, "avx2,fma", __m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps,
           _mm256_cvtss_f32)
FMA_CHAINS(fma512_chains, "avx512f", __m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps,
           _mm512_cvtss_f32)

/* The best GFLOP/s of `chains` on vectors of `lanes` floats over trials of
 * doubling length for about `seconds`. */
static double best_gflops(float (*chains)(long, float), int lanes, double seconds)
{
    volatile float sink = 0.0f;
    long iterations = 1000000;
    double best = 0.0;
    double deadline = bench_now_ns() + seconds * 1e9;
    while (bench_now_ns() < deadline) {
        double t0 = bench_now_ns();
        sink += chains(iterations, sink);
        double dt = bench_now_ns() - t0;
        double gflops = (double)iterations * CHAINS * lanes * 2 / dt;
        if (gflops > best) best = gflops;
        if (dt < 5e6) iterations *= 2; /* trials of at least a few ms */
    }
    return best;
}

double bench_fma_peak_gflops(double seconds)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0.0;
    return best_gflops(fma256_chains, 8, seconds);
}

double bench_fma512_peak_gflops(double seconds)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f")) return 0.0;
    return best_gflops(fma512_chains, 16, seconds);
}
#else
double bench_fma_peak_gflops(double seconds)
{
    (void)seconds;
    return 0.0;
}

double bench_fma512_peak_gflops(double seconds)
{
    (void)seconds;
    return 0.0;
}
#endif
