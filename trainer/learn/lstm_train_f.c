/* The training kernel in single precision: what cantus-train runs.
 *
 * a * b + c is contracted into one fused multiply-add here (-std=c11 turns
 * contraction off): one rounding instead of two, as PyTorch's own kernels
 * do, and half the instructions in the cell loops. The double build keeps
 * separate roundings; the finite-difference test does not need FMAs. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast")
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "learn/fastmath.h"
#include "learn/lstm_train.h"
#include "learn/zeroed.h"
#include "learn/recur_tiles.h"
#include "learn/slices.h"

#define REAL       float
#define SUFFIX     _f
#define GEMM       cblas_sgemm
#define EXP(x)     fast_expf(x)
#define SIGMOID(x) fast_sigmoidf(x)
#define TANH(x)    fast_tanhf(x)
#define HOT        CANTUS_VECTOR_CLONES
#define ISA_TILES  recur_tiles_f

#include "learn/lstm_train_kernel.inc"
