/* Register tiles of the recurrence's products (see recur_tiles.h). Only
 * these functions are compiled for AVX-512 or AVX2+FMA; recur_tiles_f asks
 * the CPU which may run. The accumulators stay in registers for the whole
 * K loop: AVX-512 keeps 6 rows x 64 columns in 24 zmm (the panel's 4
 * vectors and one broadcast make 29 of 32), AVX2 3 rows x 32 columns in 12
 * ymm, each step of k one broadcast per row and one load per vector. The
 * last rows of a slice take a tile of fewer rows (4 or 2; 1). */
#include "learn/recur_tiles.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define ROW(A, lda, r, rows) ((A) + (size_t)((r) < (rows) ? (r) : (rows)-1) * (lda))

/* One tile of up to MR rows; the rows past `rows` repeat the last one and
 * are not stored. */
#define TILE_AVX512(MR)                                                                            \
    __attribute__((target("avx512f,fma"))) static void tile_avx512_##MR(                           \
        const float *A, size_t lda, int rows, const float *Bp, int K, float *C, int accumulate)    \
    {                                                                                              \
        enum { NV = 4 };                                                                           \
        const float *a[MR];                                                                        \
        for (int r = 0; r < MR; r++)                                                               \
            a[r] = ROW(A, lda, r, rows);                                                           \
        __m512 acc[MR][NV];                                                                        \
        _Pragma("GCC unroll 6") for (int r = 0; r < MR; r++)                                       \
            _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) acc[r][v] =                       \
                accumulate && r < rows ? _mm512_loadu_ps(C + r * 16 * NV + 16 * v)                 \
                                       : _mm512_setzero_ps();                                      \
        for (int k = 0; k < K; k++) {                                                              \
            const float *b = Bp + (size_t)k * 16 * NV;                                             \
            __m512 bv[NV];                                                                         \
            _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) bv[v] =                           \
                _mm512_loadu_ps(b + 16 * v);                                                       \
            _Pragma("GCC unroll 6") for (int r = 0; r < MR; r++)                                   \
            {                                                                                      \
                __m512 x = _mm512_set1_ps(a[r][k]);                                                \
                _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) acc[r][v] =                   \
                    _mm512_fmadd_ps(x, bv[v], acc[r][v]);                                          \
            }                                                                                      \
        }                                                                                          \
        for (int r = 0; r < rows; r++)                                                             \
            _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++)                                   \
                _mm512_storeu_ps(C + r * 16 * NV + 16 * v, acc[r][v]);                             \
    }

TILE_AVX512(6)
TILE_AVX512(4)
TILE_AVX512(2)

/* Fewer rows than a full tile (a slice's last few) take a smaller one. */
static void tile_avx512(const float *A, size_t lda, int rows, const float *Bp, int K, float *C,
                        int accumulate)
{
    if (rows > 4)
        tile_avx512_6(A, lda, rows, Bp, K, C, accumulate);
    else if (rows > 2)
        tile_avx512_4(A, lda, rows, Bp, K, C, accumulate);
    else
        tile_avx512_2(A, lda, rows, Bp, K, C, accumulate);
}

#define TILE_AVX2(MR)                                                                              \
    __attribute__((target("avx2,fma"))) static void tile_avx2_##MR(                                \
        const float *A, size_t lda, int rows, const float *Bp, int K, float *C, int accumulate)    \
    {                                                                                              \
        enum { NV = 4 };                                                                           \
        const float *a[MR];                                                                        \
        for (int r = 0; r < MR; r++)                                                               \
            a[r] = ROW(A, lda, r, rows);                                                           \
        __m256 acc[MR][NV];                                                                        \
        _Pragma("GCC unroll 3") for (int r = 0; r < MR; r++)                                       \
            _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) acc[r][v] =                       \
                accumulate && r < rows ? _mm256_loadu_ps(C + r * 8 * NV + 8 * v)                   \
                                       : _mm256_setzero_ps();                                      \
        for (int k = 0; k < K; k++) {                                                              \
            const float *b = Bp + (size_t)k * 8 * NV;                                              \
            _Pragma("GCC unroll 3") for (int r = 0; r < MR; r++)                                   \
            {                                                                                      \
                __m256 x = _mm256_broadcast_ss(a[r] + k);                                          \
                _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) acc[r][v] =                   \
                    _mm256_fmadd_ps(x, _mm256_loadu_ps(b + 8 * v), acc[r][v]);                     \
            }                                                                                      \
        }                                                                                          \
        for (int r = 0; r < rows; r++)                                                             \
            _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++)                                   \
                _mm256_storeu_ps(C + r * 8 * NV + 8 * v, acc[r][v]);                               \
    }

TILE_AVX2(3)
TILE_AVX2(1)

static void tile_avx2(const float *A, size_t lda, int rows, const float *Bp, int K, float *C,
                      int accumulate)
{
    if (rows > 1)
        tile_avx2_3(A, lda, rows, Bp, K, C, accumulate);
    else
        tile_avx2_1(A, lda, rows, Bp, K, C, accumulate);
}

static const RecurTiles avx512 = {"avx512", 6, 64, tile_avx512};
static const RecurTiles avx2 = {"avx2", 3, 32, tile_avx2};

const RecurTiles *recur_tiles_f(void)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return &avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &avx2;
    return NULL;
}
#else
const RecurTiles *recur_tiles_f(void)
{
    return NULL;
}
#endif
