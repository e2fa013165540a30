/* The training kernel in double precision, for the finite-difference test:
 * the same source as lstm_train_f.c with libm's functions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "learn/lstm_train.h"
#include "learn/zeroed.h"
#include "learn/slices.h"

#define REAL       double
#define SUFFIX     _d
#define GEMM       cblas_dgemm
#define EXP(x)     exp(x)
#define SIGMOID(x) (1 / (1 + exp(-(x))))
#define TANH(x)    tanh(x)
#define HOT

#include "learn/lstm_train_kernel.inc"
