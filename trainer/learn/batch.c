/* Uniform sampling of training windows (see batch.h). */
#include <stdlib.h>

#include "learn/batch.h"

static long windows_of(int length, int steps)
{
    if (length < 2) return 0;
    return length - steps > 1 ? length - steps : 1;
}

int batch_sampler_init(BatchSampler *s, const TokenSeq *seqs, int n_seqs, int steps)
{
    s->seqs = seqs;
    s->n_seqs = n_seqs;
    s->steps = steps;
    s->first_window = malloc(((size_t)n_seqs + 1) * sizeof *s->first_window);
    if (!s->first_window) return -1;
    s->first_window[0] = 0;
    for (int i = 0; i < n_seqs; i++)
        s->first_window[i + 1] = s->first_window[i] + windows_of(seqs[i].length, steps);
    if (s->first_window[n_seqs] == 0) {
        batch_sampler_free(s);
        return -1;
    }
    return 0;
}

void batch_sampler_free(BatchSampler *s)
{
    free(s->first_window);
    s->first_window = NULL;
}

long batch_sampler_windows(const BatchSampler *s)
{
    return s->first_window[s->n_seqs];
}

void batch_sample(const BatchSampler *s, CantusRng *rng, int batch, int *tokens, int *targets)
{
    batch_sample_at(s, rng, batch, tokens, NULL, targets);
}

void batch_sample_at(const BatchSampler *s, CantusRng *rng, int batch, int *tokens, int *positions,
                     int *targets)
{
    const int T = s->steps;
    const unsigned long long total = (unsigned long long)batch_sampler_windows(s);
    for (int b = 0; b < batch; b++) {
        unsigned long long r =
            ((unsigned long long)cantus_rng_u32(rng) << 32) | cantus_rng_u32(rng);
        long w = (long)(r % total);
        /* The last sequence whose first window is <= w. */
        int lo = 0, hi = s->n_seqs - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            if (s->first_window[mid] <= w)
                lo = mid;
            else
                hi = mid - 1;
        }
        const TokenSeq *seq = &s->seqs[lo];
        long start = w - s->first_window[lo];
        for (int t = 0; t < T; t++) {
            long at = start + t;
            tokens[(size_t)t * batch + b] = at < seq->length ? seq->tokens[at] : 0;
            targets[(size_t)t * batch + b] = at + 1 < seq->length ? seq->tokens[at + 1] : -1;
            if (positions)
                positions[(size_t)t * batch + b] =
                    at < seq->length && seq->positions ? seq->positions[at] : -1;
        }
    }
}
