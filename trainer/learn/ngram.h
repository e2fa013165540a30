/* Smoothed n-gram baselines: interpolated modified Kneser-Ney (Chen and
 * Goodman 1998), orders 1 to 4, down to a uniform distribution over the V
 * tokens, so every token has a nonzero probability.
 *
 * Each sequence is padded at its start with n-1 beginning-of-sequence marks
 * (a token of its own, never predicted), so every prediction has a full
 * context. The highest order counts n-grams; each lower order counts
 * continuations (how many distinct tokens precede it). Three discounts per
 * order, D1, D2, D3+, from the counts of counts n1..n4:
 *   Y = n1 / (n1 + 2 n2), D1 = 1 - 2Y n2/n1, D2 = 2 - 3Y n3/n2, D3+ = 3 - 4Y n4/n3
 * (0.5, 1, 1.5 when one of n1..n4 is zero; each clamped to [0, r]). */
#ifndef CANTUS_NGRAM_H
#define CANTUS_NGRAM_H

#include "learn/batch.h"

#define NGRAM_MAX_ORDER 4
#define NGRAM_MAX_VOCAB 1000

typedef struct NgramModel NgramModel;

/* Fits an order-n model (1 <= n <= 4) on the sequences. NULL when memory
 * runs out or the arguments are out of range. */
NgramModel *ngram_fit(int order, int vocab, const TokenSeq *seqs, int n_seqs);
void ngram_free(NgramModel *model);

/* P(token | history): history is every token before the position (its last
 * n-1 are used; fewer at a sequence's start, the rest is padding). */
double ngram_prob(const NgramModel *model, const int *history, int history_len, int token);

/* Scores every token of the sequences but the first: summed -log P (nats),
 * how many, and how often the most likely token was the one that came. */
void ngram_score(const NgramModel *model, const TokenSeq *seqs, int n_seqs, double *nll,
                 long *tokens, long *correct);

/* The discounts D1, D2, D3+ from counts of counts n[1..4] (n[0] unused). */
void ngram_discounts(const long n[5], double discount[4]);

#endif
