/* The model's negative log-likelihood and accuracy on whole sequences, each
 * run from a zero state: token k predicts token k+1, as the core's
 * cantus_lstm_state_step does one token at a time. Batched: B sequences side by
 * side, in chunks of T steps with the state carried between chunks. */
#ifndef CANTUS_EVALUATE_H
#define CANTUS_EVALUATE_H

#include "learn/batch.h"
#include "learn/lstm_train.h"

typedef struct {
    double nll;   /* summed, nats */
    long tokens;  /* predicted positions: sum of (length - 1) */
    long correct; /* positions where the most likely token was right */
} EvalResult;

/* work must hold at least B sequences of T steps; it is overwritten. Returns
 * -1 when memory runs out. */
int evaluate_sequences(const LstmParams_f *p, LstmWork_f *work, const TokenSeq *seqs, int n_seqs,
                       EvalResult *result);

#endif
