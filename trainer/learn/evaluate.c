/* Batched evaluation of whole sequences (see evaluate.h). */
#include <stdlib.h>

#include "learn/evaluate.h"

typedef struct {
    int length, index;
} ByLength;

static int longer_first(const void *a, const void *b)
{
    const ByLength *p = a, *q = b;
    if (p->length != q->length) return p->length > q->length ? -1 : 1;
    return p->index < q->index ? -1 : p->index > q->index;
}

int evaluate_sequences(const LstmParams_f *p, LstmWork_f *work, const TokenSeq *seqs, int n_seqs,
                       EvalResult *result)
{
    const int T = work->steps, B = work->batch;
    result->nll = 0;
    result->tokens = 0;
    result->correct = 0;
    /* Sequences of similar length side by side waste the least padding. */
    ByLength *order = malloc((size_t)(n_seqs > 0 ? n_seqs : 1) * sizeof *order);
    int *x = malloc((size_t)T * B * sizeof *x), *y = malloc((size_t)T * B * sizeof *y);
    int *q = p->bar_steps > 0 ? malloc((size_t)T * B * sizeof *q) : NULL;
    if (!order || !x || !y || (p->bar_steps > 0 && !q)) {
        free(order);
        free(x);
        free(y);
        free(q);
        return -1;
    }
    for (int i = 0; i < n_seqs; i++)
        order[i] = (ByLength){seqs[i].length, i};
    qsort(order, (size_t)n_seqs, sizeof *order, longer_first);

    for (int first = 0; first < n_seqs; first += B) {
        int nb = n_seqs - first < B ? n_seqs - first : B;
        int longest = order[first].length;
        for (int pos = 0; pos + 1 < longest; pos += T) {
            int steps = longest - 1 - pos < T ? longest - 1 - pos : T;
            for (int t = 0; t < steps; t++)
                for (int b = 0; b < nb; b++) {
                    const TokenSeq *s = &seqs[order[first + b].index];
                    int at = pos + t;
                    x[t * nb + b] = at < s->length ? s->tokens[at] : 0;
                    y[t * nb + b] = at + 1 < s->length ? s->tokens[at + 1] : -1;
                    if (q) q[t * nb + b] = at < s->length && s->positions ? s->positions[at] : -1;
                }
            long counted = 0, correct = 0;
            result->nll +=
                lstm_forward_at_f(p, work, steps, nb, x, q, y, pos > 0, &counted, &correct);
            result->tokens += counted;
            result->correct += correct;
            lstm_carry_state_f(work, steps, nb);
        }
    }
    free(order);
    free(x);
    free(y);
    free(q);
    return 0;
}
