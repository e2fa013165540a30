/* The single-core FMA peaks of this machine, measured in the same run as a
 * benchmark so its GFLOP/s can be reported as a fraction of them
 * (BENCHMARKING.md). Shared with the trainer's benchmark. */
#ifndef CANTUS_BENCH_FMA_PEAK_H
#define CANTUS_BENCH_FMA_PEAK_H

/* GFLOP/s (an FMA counts 2) of one thread running independent
 * _mm256_fmadd_ps chains for about `seconds`; the best of a few trials.
 * Returns 0 where the CPU has no AVX2+FMA. */
double bench_fma_peak_gflops(double seconds);

/* The same with _mm512_fmadd_ps chains: on a CPU with AVX-512, OpenBLAS's
 * kernels use them, so the AVX2 peak would understate what is left on the
 * table. Returns 0 where the CPU has no AVX-512F. */
double bench_fma512_peak_gflops(double seconds);

/* Monotonic time in nanoseconds. */
double bench_now_ns(void);

#endif
