/* The AVX2+FMA kernels. The products keep one panel's 64 outputs in eight
 * ymm accumulators and stream the panel's weights once, a column (64
 * floats, one cache line pair) per broadcast input: eight independent FMA
 * chains cover the FMA latency, and the loads run in address order for the
 * hardware prefetcher.
 *
 * sigmoid and tanh use Cephes' single-precision expf and tanhf
 * approximations (relative error ~2 ulp), vectorised; division is a real
 * division, never a reciprocal estimate, to stay within the golden tests'
 * 1e-5 of PyTorch. Only this file is compiled for AVX2: the state picks it
 * after asking the CPU (lstm_kernels.c). */
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>
#include <math.h>

#include "lstm_kernels.h"
#include "model_internal.h"

/* Everything below is compiled for AVX2+FMA+F16C (GCC and clang spell it
 * differently). */
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#else
#pragma GCC target("avx2,fma,f16c")
#endif

#define ALWAYS_INLINE inline __attribute__((always_inline))

static ALWAYS_INLINE void panel(const float *p, int cols, const float *x, const float *init,
                                float *out, const int n)
{
    __m256 acc[8];
#pragma GCC unroll 8
    for (int a = 0; a < n; a++)
        acc[a] = _mm256_loadu_ps(init + 8 * a);
    for (int j = 0; j < cols; j++) {
        __m256 xj = _mm256_broadcast_ss(x + j);
        const float *col = p + (size_t)j * 8 * n;
#pragma GCC unroll 8
        for (int a = 0; a < n; a++)
            acc[a] = _mm256_fmadd_ps(_mm256_loadu_ps(col + 8 * a), xj, acc[a]);
    }
#pragma GCC unroll 8
    for (int a = 0; a < n; a++)
        _mm256_storeu_ps(out + 8 * a, acc[a]);
}

static void matvec_avx2(const float *panels, int rows, int cols, const float *x, const float *init,
                        float *out)
{
    int r0 = 0;
    for (; r0 + CANTUS_PANEL_ROWS <= rows; r0 += CANTUS_PANEL_ROWS)
        panel(panels + (size_t)r0 * cols, cols, x, init + r0, out + r0, 8);
    const float *p = panels + (size_t)r0 * cols;
    switch ((rows - r0) / 8) {
    case 1:
        panel(p, cols, x, init + r0, out + r0, 1);
        break;
    case 2:
        panel(p, cols, x, init + r0, out + r0, 2);
        break;
    case 3:
        panel(p, cols, x, init + r0, out + r0, 3);
        break;
    case 4:
        panel(p, cols, x, init + r0, out + r0, 4);
        break;
    case 5:
        panel(p, cols, x, init + r0, out + r0, 5);
        break;
    case 6:
        panel(p, cols, x, init + r0, out + r0, 6);
        break;
    case 7:
        panel(p, cols, x, init + r0, out + r0, 7);
        break;
    default:
        break;
    }
}

/* Half-precision panels: the same walk, each 8 weights widened with
 * vcvtph2ps on the way in, so half the bytes cross the memory hierarchy. */
static ALWAYS_INLINE void panel_f16(const uint16_t *p, int cols, const float *x, const float *init,
                                    float *out, const int n)
{
    __m256 acc[8];
#pragma GCC unroll 8
    for (int a = 0; a < n; a++)
        acc[a] = _mm256_loadu_ps(init + 8 * a);
    for (int j = 0; j < cols; j++) {
        __m256 xj = _mm256_broadcast_ss(x + j);
        const uint16_t *col = p + (size_t)j * 8 * n;
#pragma GCC unroll 8
        for (int a = 0; a < n; a++) {
            __m256 w = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(col + 8 * a)));
            acc[a] = _mm256_fmadd_ps(w, xj, acc[a]);
        }
    }
#pragma GCC unroll 8
    for (int a = 0; a < n; a++)
        _mm256_storeu_ps(out + 8 * a, acc[a]);
}

static void matvec_f16_avx2(const uint16_t *panels, int rows, int cols, const float *x,
                            const float *init, float *out)
{
    int r0 = 0;
    for (; r0 + CANTUS_PANEL_ROWS <= rows; r0 += CANTUS_PANEL_ROWS)
        panel_f16(panels + (size_t)r0 * cols, cols, x, init + r0, out + r0, 8);
    const uint16_t *p = panels + (size_t)r0 * cols;
    switch ((rows - r0) / 8) {
    case 1:
        panel_f16(p, cols, x, init + r0, out + r0, 1);
        break;
    case 2:
        panel_f16(p, cols, x, init + r0, out + r0, 2);
        break;
    case 3:
        panel_f16(p, cols, x, init + r0, out + r0, 3);
        break;
    case 4:
        panel_f16(p, cols, x, init + r0, out + r0, 4);
        break;
    case 5:
        panel_f16(p, cols, x, init + r0, out + r0, 5);
        break;
    case 6:
        panel_f16(p, cols, x, init + r0, out + r0, 6);
        break;
    case 7:
        panel_f16(p, cols, x, init + r0, out + r0, 7);
        break;
    default:
        break;
    }
}

/* Cephes expf: e^x = 2^n e^r with |r| <= ln2/2 and a degree-5 polynomial.
 * The clamp keeps 2^n a normal float. */
static ALWAYS_INLINE __m256 exp_avx2(__m256 x)
{
    x = _mm256_min_ps(x, _mm256_set1_ps(88.3762626647949f));
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

static ALWAYS_INLINE __m256 sigmoid_avx2(__m256 x)
{
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 e = exp_avx2(_mm256_sub_ps(_mm256_setzero_ps(), x));
    return _mm256_div_ps(one, _mm256_add_ps(one, e));
}

/* Cephes tanhf: an odd polynomial below 0.625, where 1 - 2/(e^2x + 1) would
 * cancel, and the exponential form above it. */
static ALWAYS_INLINE __m256 tanh_avx2(__m256 x)
{
    __m256 sign = _mm256_and_ps(x, _mm256_set1_ps(-0.0f));
    __m256 a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
    __m256 one = _mm256_set1_ps(1.0f);

    __m256 z = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036e-1f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422e-1f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(x, z), p, x);

    __m256 e = exp_avx2(_mm256_add_ps(a, a));
    __m256 large = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
    large = _mm256_or_ps(large, sign);

    __m256 is_small = _mm256_cmp_ps(a, _mm256_set1_ps(0.625f), _CMP_LT_OQ);
    return _mm256_blendv_ps(large, small, is_small);
}

static void cell_avx2(const float *gates, float *c, float *h, int H)
{
    int u = 0;
    for (; u + 8 <= H; u += 8) {
        __m256 i = sigmoid_avx2(_mm256_loadu_ps(gates + u));
        __m256 f = sigmoid_avx2(_mm256_loadu_ps(gates + H + u));
        __m256 g = tanh_avx2(_mm256_loadu_ps(gates + 2 * H + u));
        __m256 o = sigmoid_avx2(_mm256_loadu_ps(gates + 3 * H + u));
        __m256 cu = _mm256_fmadd_ps(f, _mm256_loadu_ps(c + u), _mm256_mul_ps(i, g));
        _mm256_storeu_ps(c + u, cu);
        _mm256_storeu_ps(h + u, _mm256_mul_ps(o, tanh_avx2(cu)));
    }
    /* An H that is not a multiple of 8 ends in plain libm. */
    for (; u < H; u++) {
        float i = 1.0f / (1.0f + expf(-gates[u]));
        float f = 1.0f / (1.0f + expf(-gates[H + u]));
        float g = tanhf(gates[2 * H + u]);
        float o = 1.0f / (1.0f + expf(-gates[3 * H + u]));
        c[u] = f * c[u] + i * g;
        h[u] = o * tanhf(c[u]);
    }
}

#if defined(__clang__)
#pragma clang attribute pop
#endif

const CantusKernels cantus_avx2_kernels = {"avx2+fma", matvec_avx2, matvec_f16_avx2, cell_avx2};

#endif
