/* The single-core AVX-512 FMA peak, measured in the same run as the
 * training benchmark: on a CPU with AVX-512, OpenBLAS's kernels use it, so
 * the AVX2 peak (fma_peak.h) would understate what is left on the table. */
#ifndef CANTUS_BENCH_FMA512_PEAK_H
#define CANTUS_BENCH_FMA512_PEAK_H

/* GFLOP/s (an FMA counts 2) of one thread running independent
 * _mm512_fmadd_ps chains for about `seconds`; the best of a few trials.
 * Returns 0 where the CPU has no AVX-512F. */
double bench_fma512_peak_gflops(double seconds);

#endif
