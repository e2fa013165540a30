/* The training maths of an LSTM (L layers, H hidden, one-hot input over V
 * tokens) + dense layer + softmax cross-entropy at every step: forward pass,
 * full backpropagation through time, over a batch of B snippets of T steps.
 *
 * The kernel is written once (lstm_train_kernel.inc) and compiled twice:
 * in float (suffix _f, what cantus-train runs) and in double (suffix _d,
 * used by the finite-difference test). Both builds are the same source
 * text with REAL, GEMM and the transcendental functions swapped, so a
 * gradient proven in double proves the float code's structure too; the
 * float build is compared with PyTorch separately.
 *
 * Layouts (row-major, time-major):
 *   tokens, targets   [T][B]        target < 0: no loss at that position
 *   gates             [T][B][4H]    i, f, g, o as PyTorch orders them
 *   h, c              [T+1][B][H]   block 0 is the initial state
 */
#ifndef CANTUS_LSTM_TRAIN_H
#define CANTUS_LSTM_TRAIN_H

#include <stddef.h>

#include "model.h"

#define LSTM_TEMPLATE_REAL   float
#define LSTM_TEMPLATE_SUFFIX _f
#include "learn/lstm_train_tmpl.h"
#undef LSTM_TEMPLATE_REAL
#undef LSTM_TEMPLATE_SUFFIX

#define LSTM_TEMPLATE_REAL   double
#define LSTM_TEMPLATE_SUFFIX _d
#include "learn/lstm_train_tmpl.h"
#undef LSTM_TEMPLATE_REAL
#undef LSTM_TEMPLATE_SUFFIX

#endif
