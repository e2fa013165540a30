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

#define PRAGMA(text) _Pragma(#text)
#define UNROLL(n)    PRAGMA(GCC unroll n)

/* What a tile takes of an instruction set, named by its prefix. preload_b:
 * the panel's 4 vectors of a step of k are loaded once into registers for
 * every row (AVX-512's 32 zmm hold them beside the 24 accumulators); with
 * AVX2's 16 ymm they would spill, so each FMA loads its vector itself. */
#define avx512_target         "avx512f,fma"
#define avx512_vec            __m512
#define avx512_lanes          16
#define avx512_load           _mm512_loadu_ps
#define avx512_store          _mm512_storeu_ps
#define avx512_zero           _mm512_setzero_ps
#define avx512_broadcast(ptr) _mm512_set1_ps(*(ptr))
#define avx512_fma            _mm512_fmadd_ps
#define avx512_preload_b      1
#define avx512_row_unroll     6

#define avx2_target         "avx2,fma"
#define avx2_vec            __m256
#define avx2_lanes          8
#define avx2_load           _mm256_loadu_ps
#define avx2_store          _mm256_storeu_ps
#define avx2_zero           _mm256_setzero_ps
#define avx2_broadcast(ptr) _mm256_broadcast_ss(ptr)
#define avx2_fma            _mm256_fmadd_ps
#define avx2_preload_b      0
#define avx2_row_unroll     3

/* One tile of up to MR rows of 4 vectors for the instruction set `isa`; the
 * rows past `rows` repeat the last one and are not stored. */
#define TILE(isa, MR)                                                                              \
    __attribute__((target(isa##_target))) static void tile_##isa##_##MR(                           \
        const float *A, size_t lda, int rows, const float *Bp, int K, float *C, int accumulate)    \
    {                                                                                              \
        enum { NV = 4, L = isa##_lanes };                                                          \
        const float *a[MR];                                                                        \
        for (int r = 0; r < MR; r++)                                                               \
            a[r] = ROW(A, lda, r, rows);                                                           \
        isa##_vec acc[MR][NV];                                                                     \
        UNROLL(isa##_row_unroll)                                                                   \
        for (int r = 0; r < MR; r++) {                                                             \
            UNROLL(4)                                                                              \
            for (int v = 0; v < NV; v++)                                                           \
                acc[r][v] =                                                                        \
                    accumulate && r < rows ? isa##_load(C + r * L * NV + L * v) : isa##_zero();    \
        }                                                                                          \
        for (int k = 0; k < K; k++) {                                                              \
            const float *b = Bp + (size_t)k * L * NV;                                              \
            isa##_vec bv[NV];                                                                      \
            if (isa##_preload_b) {                                                                 \
                UNROLL(4)                                                                          \
                for (int v = 0; v < NV; v++)                                                       \
                    bv[v] = isa##_load(b + L * v);                                                 \
            }                                                                                      \
            UNROLL(isa##_row_unroll)                                                               \
            for (int r = 0; r < MR; r++) {                                                         \
                isa##_vec x = isa##_broadcast(a[r] + k);                                           \
                UNROLL(4)                                                                          \
                for (int v = 0; v < NV; v++)                                                       \
                    acc[r][v] =                                                                    \
                        isa##_fma(x, isa##_preload_b ? bv[v] : isa##_load(b + L * v), acc[r][v]);  \
            }                                                                                      \
        }                                                                                          \
        for (int r = 0; r < rows; r++) {                                                           \
            UNROLL(4)                                                                              \
            for (int v = 0; v < NV; v++)                                                           \
                isa##_store(C + r * L * NV + L * v, acc[r][v]);                                    \
        }                                                                                          \
    }

TILE(avx512, 6)
TILE(avx512, 4)
TILE(avx512, 2)
TILE(avx2, 3)
TILE(avx2, 1)

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

static void tile_avx2(const float *A, size_t lda, int rows, const float *Bp, int K, float *C,
                      int accumulate)
{
    if (rows > 1)
        tile_avx2_3(A, lda, rows, Bp, K, C, accumulate);
    else
        tile_avx2_1(A, lda, rows, Bp, K, C, accumulate);
}

static const RecurTiles avx512 = {"avx512", 6, 64, tile_avx512, recur_cells_forward_avx512};
static const RecurTiles avx2 = {"avx2", 3, 32, tile_avx2, NULL};

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
