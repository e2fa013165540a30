/* Branch-free exp, sigmoid and tanh in single precision that the compiler
 * can vectorise (libm's expf is a call per element and would dominate the
 * gate loops). Accuracy is within a few ulp of libm: Cephes' polynomials.
 * The double-precision build of the training kernel uses libm instead,
 * because it only serves the finite-difference test. */
#ifndef CANTUS_FASTMATH_H
#define CANTUS_FASTMATH_H

#include <stdint.h>
#include <string.h>

/* The clamps and selects below are comparisons GCC will only turn into
 * vector blends once it may assume that floating-point operations do not
 * trap; the results do not change (nothing here traps or tests flags). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

/* The hot loops are compiled three times on x86-64, for x86-64-v4 (AVX-512),
 * x86-64-v3 (AVX2, FMA) and the baseline, and the loader picks one (GCC
 * function multiversioning), so the binary still runs on any x86-64 and
 * uses 512-bit vectors where the CPU has them. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CANTUS_VECTOR_CLONES                                                                       \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CANTUS_VECTOR_CLONES
#endif

/* Inlined always: a call in the gate loops would stop their vectorisation. */
#if defined(__GNUC__)
#define CANTUS_INLINE static inline __attribute__((always_inline))
#else
#define CANTUS_INLINE static inline
#endif

CANTUS_INLINE float fast_expf(float x)
{
    /* e^x = 2^n * e^r, n = round(x / ln 2), |r| <= ln2 / 2. Adding 1.5 * 2^23
     * rounds to an integer and leaves n in the low mantissa bits. */
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    const float shifter = 12582912.0f;
    float t = x * 1.44269504088896341f + shifter;
    float n = t - shifter;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * r * r + r + 1.0f;
    int32_t bits;
    memcpy(&bits, &t, sizeof bits);
    int32_t scale_bits = (bits - 0x4B400000 + 127) * (1 << 23);
    float scale;
    memcpy(&scale, &scale_bits, sizeof scale);
    return y * scale;
}

CANTUS_INLINE float fast_sigmoidf(float x)
{
    return 1.0f / (1.0f + fast_expf(-x));
}

CANTUS_INLINE float fast_tanhf(float x)
{
    /* Near zero 1 - 2/(e^2x + 1) loses its relative precision, so a small
     * odd polynomial takes over there (Cephes tanhf). */
    float z = x * x;
    float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z +
                    1.33314422036e-1f) *
                       z -
                   3.33332819422e-1f) *
                      z * x +
                  x;
    float large = 1.0f - 2.0f / (fast_expf(2.0f * x) + 1.0f);
    float ax = x < 0.0f ? -x : x;
    return ax < 0.625f ? small : large;
}

#endif
