/* The recurrence's forward cell in AVX-512 (see recur_cells.h). The exponential is
 * fastmath.h's, Cephes' polynomial, step for step; only the divisions
 * differ. Compiled for AVX-512F alone; recur_tiles.c hands these out only
 * on a CPU that has it. */
#include "learn/recur_cells.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#include <stdint.h>

#define AVX512 __attribute__((target("avx512f,fma"), always_inline)) static inline

typedef __m512 V;

AVX512 V set(float x)
{
    return _mm512_set1_ps(x);
}

/* 1 / d: the 14-bit estimate and one Newton step, r + r (1 - d r). */
AVX512 V recip(V d)
{
    V r = _mm512_rcp14_ps(d);
    return _mm512_fmadd_ps(r, _mm512_fnmadd_ps(d, r, set(1.0f)), r);
}

/* fast_expf, a vector at a time. */
AVX512 V exp16(V x)
{
    x = _mm512_min_ps(_mm512_max_ps(x, set(-87.0f)), set(88.0f));
    const V shifter = set(12582912.0f);
    V t = _mm512_fmadd_ps(x, set(1.44269504088896341f), shifter);
    V n = _mm512_sub_ps(t, shifter);
    V r = _mm512_fnmadd_ps(n, set(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, set(-2.12194440e-4f), r);
    V p = set(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, set(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, set(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, set(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, set(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, set(5.0000001201e-1f));
    V y = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), set(1.0f));
    __m512i bits = _mm512_add_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(127 - 0x4B400000));
    return _mm512_mul_ps(y, _mm512_castsi512_ps(_mm512_slli_epi32(bits, 23)));
}

/* A store of a whole cache line past the caches, or an ordinary one. */
AVX512 void put(float *p, V v, int stream)
{
    if (stream)
        _mm512_stream_ps(p, v);
    else
        _mm512_storeu_ps(p, v);
}

AVX512 V sigmoid16(V x)
{
    return recip(_mm512_add_ps(set(1.0f), exp16(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

/* fast_tanhf: the odd polynomial below |x| = 0.625, 1 - 2 / (e^2x + 1)
 * above. */
AVX512 V tanh16(V x)
{
    V z = _mm512_mul_ps(x, x);
    V s = _mm512_fmadd_ps(set(-5.70498872745e-3f), z, set(2.06390887954e-2f));
    s = _mm512_fmadd_ps(s, z, set(-5.37397155531e-2f));
    s = _mm512_fmadd_ps(s, z, set(1.33314422036e-1f));
    s = _mm512_fmadd_ps(s, z, set(-3.33332819422e-1f));
    s = _mm512_fmadd_ps(_mm512_mul_ps(s, z), x, x);
    V e = exp16(_mm512_add_ps(x, x));
    V large = _mm512_fnmadd_ps(set(2.0f), recip(_mm512_add_ps(e, set(1.0f))), set(1.0f));
    __mmask16 small = _mm512_cmp_ps_mask(_mm512_abs_ps(x), set(0.625f), _CMP_LT_OQ);
    return _mm512_mask_blend_ps(small, large, s);
}

__attribute__((target("avx512f,fma"))) void recur_cells_forward_avx512(const CellsForward *c)
{
    const int H = c->H;
    const size_t G = 4 * (size_t)H;
    V bias[4];
    for (int q = 0; q < 4; q++)
        bias[q] = _mm512_loadu_ps(c->bias + (size_t)q * H);
    /* The gates and tanh c are read again only in the backward pass, after
     * the whole sequence: streamed past the caches, they neither wait for
     * their lines to be read in first nor push out the rows this pass reads.
     * (On whole lines only: every row on a 64-byte boundary.) */
    const int stream = H % 16 == 0 && !(((uintptr_t)c->g | (uintptr_t)c->tn) & 63);
    for (int r = 0; r < c->rows; r++) {
        const float *acc = c->acc + (size_t)r * 64, *e = c->e[r] + c->j0, *e2 = c->e2[r] + c->j0;
        V a[4];
        for (int q = 0; q < 4; q++) {
            V s = _mm512_add_ps(_mm512_loadu_ps(acc + 16 * q), bias[q]);
            s = _mm512_add_ps(s, _mm512_loadu_ps(e + (size_t)q * H));
            a[q] = _mm512_add_ps(s, _mm512_loadu_ps(e2 + (size_t)q * H));
        }
        V ig = sigmoid16(a[0]), fg = sigmoid16(a[1]), gg = tanh16(a[2]), og = sigmoid16(a[3]);
        V cv = _mm512_fmadd_ps(fg, _mm512_loadu_ps(c->cp + (size_t)r * H), _mm512_mul_ps(ig, gg));
        V tv = tanh16(cv);
        float *g = c->g + (size_t)r * G;
        put(g, ig, stream);
        put(g + H, fg, stream);
        put(g + 2 * (size_t)H, gg, stream);
        put(g + 3 * (size_t)H, og, stream);
        put(c->tn + (size_t)r * H, tv, stream);
        _mm512_storeu_ps(c->cn + (size_t)r * H, cv);
        _mm512_storeu_ps(c->hn + (size_t)r * H, _mm512_mul_ps(og, tv));
    }
    /* Streaming stores are weakly ordered: done before another thread
     * (the backward pass's) reads them. */
    if (stream) _mm_sfence();
}

#else
typedef int recur_cells_not_built; /* ISO C forbids an empty file */
#endif
