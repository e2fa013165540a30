/* The training kernel in single precision: what cantus-train runs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "learn/fastmath.h"
#include "learn/lstm_train.h"
#include "learn/slices.h"

#define REAL       float
#define SUFFIX     _f
#define GEMM       cblas_sgemm
#define EXP(x)     fast_expf(x)
#define SIGMOID(x) fast_sigmoidf(x)
#define TANH(x)    fast_tanhf(x)
#define HOT        CANTUS_VECTOR_CLONES

#include "learn/lstm_train_kernel.inc"
