/* Interpolated modified Kneser-Ney (see ngram.h). Counts live in one open-
 * addressing hash table per order, keyed by the packed tokens. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "learn/ngram.h"

/* 10 bits per token: V real tokens and the start mark V fit while V < 1023. */
#define BITS 10

/* Open addressing keyed by packed tokens; each slot holds a value of `size`
 * bytes (a count, or a context's statistics), zero when created. */
typedef struct {
    uint64_t *keys; /* 0: empty; keys are stored + 1 */
    unsigned char *values;
    size_t size, cap, used;
} Table;

typedef struct {
    long total, n1, n2, n3; /* of a context: sum of counts; tokens seen 1, 2, 3+ times */
} ContextStats;

struct NgramModel {
    int order, vocab;
    Table grams[NGRAM_MAX_ORDER + 1]; /* [k]: counts (long) of k-grams, k = 1..order */
    Table ctx[NGRAM_MAX_ORDER + 1];   /* [k]: ContextStats of contexts of k-1 tokens */
    double discount[NGRAM_MAX_ORDER + 1][4];
};

static uint64_t hash64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdu;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53u;
    return x ^ (x >> 33);
}

static int table_grow(Table *t)
{
    size_t cap = t->cap ? 2 * t->cap : 1024;
    uint64_t *keys = calloc(cap, sizeof *keys);
    unsigned char *values = calloc(cap, t->size);
    if (!keys || !values) {
        free(keys);
        free(values);
        return -1;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->keys[i]) continue;
        size_t j = hash64(t->keys[i]) & (cap - 1);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = t->keys[i];
        memcpy(values + j * t->size, t->values + i * t->size, t->size);
    }
    free(t->keys);
    free(t->values);
    t->keys = keys;
    t->values = values;
    t->cap = cap;
    return 0;
}

/* The value of key: created (zeroed) when absent if `create`, else NULL;
 * NULL too when memory runs out. */
static void *table_find(Table *t, uint64_t key, int create)
{
    if (create && 2 * (t->used + 1) > t->cap && table_grow(t)) return NULL;
    if (!t->cap) return NULL;
    uint64_t k = key + 1;
    size_t j = hash64(k) & (t->cap - 1);
    while (t->keys[j] && t->keys[j] != k)
        j = (j + 1) & (t->cap - 1);
    if (!t->keys[j]) {
        if (!create) return NULL;
        t->keys[j] = k;
        t->used++;
    }
    return t->values + j * t->size;
}

static long table_count(const Table *t, size_t slot)
{
    long c;
    memcpy(&c, t->values + slot * t->size, sizeof c);
    return c;
}

/* A k-gram packed: oldest token in the highest bits. Its context is the
 * packing of all but the last token, its suffix all but the first. */
static uint64_t pack(const int *tokens, int k)
{
    uint64_t key = 0;
    for (int i = 0; i < k; i++)
        key = (key << BITS) | (uint64_t)tokens[i];
    return key;
}

void ngram_discounts(const long n[5], double d[4])
{
    static const double fallback[4] = {0, 0.5, 1.0, 1.5};
    d[0] = 0;
    bool estimated = n[1] > 0 && n[2] > 0 && n[3] > 0 && n[4] > 0;
    if (estimated) {
        double y = (double)n[1] / ((double)n[1] + 2.0 * (double)n[2]);
        d[1] = 1 - 2 * y * (double)n[2] / (double)n[1];
        d[2] = 2 - 3 * y * (double)n[3] / (double)n[2];
        d[3] = 3 - 4 * y * (double)n[4] / (double)n[3];
        /* Counts of counts unlike a natural language's (few singletons, as the
         * continuation counts of a 47-token vocabulary give) can put an
         * estimate at or below 0: a context whose every gram was seen then
         * keeps no mass for the lower order, and an unseen token gets
         * probability 0 (an infinite NLL). Such an order takes the fallback. */
        for (int r = 1; r <= 3; r++)
            if (!(d[r] > 0)) estimated = false;
    }
    for (int r = 1; r <= 3; r++)
        d[r] = !estimated ? fallback[r] : d[r] > r ? r : d[r];
}

void ngram_free(NgramModel *m)
{
    if (!m) return;
    for (int k = 0; k <= NGRAM_MAX_ORDER; k++) {
        free(m->grams[k].keys);
        free(m->grams[k].values);
        free(m->ctx[k].keys);
        free(m->ctx[k].values);
    }
    free(m);
}

NgramModel *ngram_fit(int order, int vocab, const TokenSeq *seqs, int n_seqs)
{
    if (order < 1 || order > NGRAM_MAX_ORDER || vocab < 1 || vocab >= NGRAM_MAX_VOCAB) return NULL;
    NgramModel *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->order = order;
    m->vocab = vocab;
    for (int k = 0; k <= NGRAM_MAX_ORDER; k++) {
        m->grams[k].size = sizeof(long);
        m->ctx[k].size = sizeof(ContextStats);
    }
    const int n = order, start = vocab;
    int window[NGRAM_MAX_ORDER];
    /* The highest order: plain counts over the padded sequences. */
    for (int s = 0; s < n_seqs; s++) {
        for (int i = 0; i < seqs[s].length; i++) {
            int tok = seqs[s].tokens[i];
            if (tok < 0 || tok >= vocab) continue;
            for (int j = 0; j < n; j++) {
                int at = i - (n - 1) + j;
                window[j] = at < 0 ? start : seqs[s].tokens[at];
                if (window[j] < 0 || window[j] >= vocab) window[j] = start;
            }
            long *slot = table_find(&m->grams[n], pack(window, n), 1);
            if (!slot) goto fail;
            (*slot)++;
        }
    }
    /* Lower orders: continuation counts, one per distinct longer gram. */
    for (int k = n - 1; k >= 1; k--) {
        const Table *up = &m->grams[k + 1];
        const uint64_t mask = ((uint64_t)1 << (BITS * k)) - 1;
        for (size_t i = 0; i < up->cap; i++) {
            if (!up->keys[i]) continue;
            long *slot = table_find(&m->grams[k], (up->keys[i] - 1) & mask, 1);
            if (!slot) goto fail;
            (*slot)++;
        }
    }
    /* Context statistics and discounts of each order. */
    for (int k = 1; k <= n; k++) {
        const Table *t = &m->grams[k];
        long count_of[5] = {0, 0, 0, 0, 0};
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->keys[i]) continue;
            long c = table_count(t, i);
            if (c <= 4) count_of[c]++;
            ContextStats *st = table_find(&m->ctx[k], (t->keys[i] - 1) >> BITS, 1);
            if (!st) goto fail;
            st->total += c;
            if (c == 1)
                st->n1++;
            else if (c == 2)
                st->n2++;
            else
                st->n3++;
        }
        ngram_discounts(count_of, m->discount[k]);
    }
    return m;
fail:
    ngram_free(m);
    return NULL;
}

/* P_k(token | the last k-1 tokens of ctx), interpolated down to uniform. */
static double prob_order(const NgramModel *m, int k, const int *ctx, int token)
{
    if (k == 0) return 1.0 / m->vocab;
    double lower = prob_order(m, k - 1, ctx + 1, token);
    const ContextStats *st = table_find((Table *)&m->ctx[k], pack(ctx, k - 1), 0);
    if (!st || st->total == 0) return lower;
    int gram[NGRAM_MAX_ORDER];
    memcpy(gram, ctx, (size_t)(k - 1) * sizeof *gram);
    gram[k - 1] = token;
    const long *count = table_find((Table *)&m->grams[k], pack(gram, k), 0);
    long c = count ? *count : 0;
    const double *d = m->discount[k];
    double kept = c > 0 ? (double)c - d[c >= 3 ? 3 : c] : 0;
    double mass = d[1] * (double)st->n1 + d[2] * (double)st->n2 + d[3] * (double)st->n3;
    return (kept + mass * lower) / (double)st->total;
}

double ngram_prob(const NgramModel *m, const int *history, int history_len, int token)
{
    int ctx[NGRAM_MAX_ORDER];
    const int c = m->order - 1;
    for (int j = 0; j < c; j++) {
        int at = history_len - c + j;
        int tok = at < 0 ? m->vocab : history[at];
        ctx[j] = tok < 0 || tok >= m->vocab ? m->vocab : tok;
    }
    return prob_order(m, m->order, ctx, token);
}

void ngram_score(const NgramModel *m, const TokenSeq *seqs, int n_seqs, double *nll, long *tokens,
                 long *correct)
{
    *nll = 0;
    *tokens = *correct = 0;
    for (int s = 0; s < n_seqs; s++)
        for (int i = 1; i < seqs[s].length; i++) {
            int y = seqs[s].tokens[i], best = 0;
            double best_p = -1, p_y = 0;
            for (int w = 0; w < m->vocab; w++) {
                double p = ngram_prob(m, seqs[s].tokens, i, w);
                if (p > best_p) {
                    best_p = p;
                    best = w;
                }
                if (w == y) p_y = p;
            }
            if (y < 0 || y >= m->vocab) continue;
            *nll -= log(p_y);
            (*tokens)++;
            *correct += best == y;
        }
}
