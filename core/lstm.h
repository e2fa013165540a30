/* The runtime of one model in one voice: recurrent state (h, c of every
 * layer) and scratch, stepped one token at a time.
 *
 * Real-time class:
 *   cantus_lstm_state_new, cantus_lstm_state_free      - allocate/free: any thread but
 *                                             the audio thread.
 *   cantus_lstm_state_step, _step_at, _reset, _prefetch,
 *   _logits, _h, _c                          - real-time safe: no allocation,
 *                                             no lock, no I/O, bounded time.
 */
#ifndef CANTUS_LSTM_H
#define CANTUS_LSTM_H

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CantusLstmState CantusLstmState;

/* Everything the state will ever touch is allocated here. The model must
 * outlive the state. Returns NULL only when memory runs out. */
CantusLstmState *cantus_lstm_state_new(const CantusModel *model);
void cantus_lstm_state_free(CantusLstmState *state);

/* Opt-in half-precision weights (added to the fixed API, additive): the
 * state keeps its own IEEE binary16 copy of the recurrent and dense
 * matrices and streams half the bytes per step; inputs, biases, state and
 * accumulation stay float. Not PyTorch-exact: tests/core/test_half.c
 * states and checks its tolerance against the golden data. Every weight a
 * loaded model holds fits binary16 (CANTUS_MAX_WEIGHT), so this returns
 * NULL only when memory runs out or precision is not a CantusPrecision.
 * CANTUS_PRECISION_F32 is exactly cantus_lstm_state_new. */
typedef enum {
    CANTUS_PRECISION_F32 = 0,
    CANTUS_PRECISION_F16 = 1,
} CantusPrecision;

CantusLstmState *cantus_lstm_state_new_precision(const CantusModel *model,
                                                 CantusPrecision precision);

const CantusModel *cantus_lstm_state_model(const CantusLstmState *state);

/* h = c = 0 in every layer, as PyTorch's default initial state. */
void cantus_lstm_state_reset(CantusLstmState *state);

/* Feeds one token (0 <= token < V) and returns the V logits for the next
 * token. The pointer stays valid until the next step or reset. A token out
 * of range is treated as a zero input vector (only the biases and the
 * recurrence act), so a bad token can never read outside the weights. */
const float *cantus_lstm_state_step(CantusLstmState *state, int token);

/* The same with the step's position in the bar, for a model with a metre
 * input (cantus.bar_steps = P > 0): layer 0 then sees one_hot(token) and
 * one_hot(position) side by side, as PyTorch does with the concatenation.
 * A position outside [0, P) is a zero position vector, as an out-of-range
 * token is a zero token vector: so with P = 0 (every model without the
 * key) the position is ignored and this is exactly cantus_lstm_state_step,
 * and cantus_lstm_state_step is this with position -1. */
const float *cantus_lstm_state_step_at(CantusLstmState *state, int token, int position);

/* The logits of the last step (zeros after new/reset). */
const float *cantus_lstm_state_logits(const CantusLstmState *state);

/* Hidden and cell state of a layer after the last step (H floats each). */
const float *cantus_lstm_state_h(const CantusLstmState *state, int layer);
const float *cantus_lstm_state_c(const CantusLstmState *state, int layer);

/* Touches every weight the next step will read (one prefetch per cache
 * line; layer 0's input rows excepted, of which a step reads one), so that a
 * step made once a beat does not pay for cold caches. Measured here
 * (bench/core): with the weights still cached it costs about one warm step
 * (~2 us at H=128, ~18 us at H=256 L=2); with the weights evicted it takes
 * about as long as the memory needs to deliver them, so call it a cycle or
 * more before the step rather than right before it. */
void cantus_lstm_state_prefetch(const CantusLstmState *state);

#ifdef __cplusplus
}
#endif

#endif
