/* Training batches: B snippets of T+1 tokens drawn from the training
 * sequences. Every window start is equally likely: a sequence of length n
 * offers max(1, n - T) starts (so long songs count in proportion to their
 * length), a start is drawn uniformly over all of them with the trainer's
 * PCG32, and the snippet is tokens[s .. s+T] — inputs the first T, targets
 * the last T. A sequence shorter than T+1 gives one window, padded after
 * its end with positions that carry no target (so they add no loss and,
 * the LSTM being causal, change nothing before them). */
#ifndef CANTUS_BATCH_H
#define CANTUS_BATCH_H

#include "rng.h"

typedef struct {
    const int *tokens;
    int length;
    const int *positions; /* each token's position in the bar, or NULL */
} TokenSeq;

typedef struct {
    const TokenSeq *seqs;
    int n_seqs;
    long *first_window; /* n_seqs + 1 cumulative window counts */
    int steps;          /* T */
} BatchSampler;

/* Sequences of fewer than two tokens are never drawn. -1 when there is no
 * window at all or memory runs out. */
int batch_sampler_init(BatchSampler *s, const TokenSeq *seqs, int n_seqs, int steps);
void batch_sampler_free(BatchSampler *s);
long batch_sampler_windows(const BatchSampler *s);

/* Fills tokens and targets ([T][B], time-major) with B snippets. */
void batch_sample(const BatchSampler *s, CantusRng *rng, int batch, int *tokens, int *targets);
/* The same with the inputs' positions in the bar (-1 past a sequence's end
 * or where it has none); the same draws, so the same snippets. */
void batch_sample_at(const BatchSampler *s, CantusRng *rng, int batch, int *tokens, int *positions,
                     int *targets);

#endif
