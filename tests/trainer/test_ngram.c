/* The Kneser-Ney baselines: a distribution over V for any context, a tiny
 * example worked by hand, and the discount formula. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "learn/ngram.h"

static void sums_to_one_over_v(void **state)
{
    (void)state;
    enum { V = 13, N_SEQ = 6, LEN = 300 };
    static int data[N_SEQ][LEN];
    TokenSeq seqs[N_SEQ];
    uint32_t x = 12345;
    for (int s = 0; s < N_SEQ; s++) {
        for (int i = 0; i < LEN; i++) {
            x = x * 1664525u + 1013904223u;
            /* Skewed, with some structure: often the previous token + 1. */
            data[s][i] =
                (x >> 28) < 9 && i > 0 ? (data[s][i - 1] + 1) % (V - 2) : (int)(x >> 16) % V;
        }
        seqs[s] = (TokenSeq){data[s], LEN - 40 * s, NULL};
    }
    for (int order = 1; order <= 4; order++) {
        NgramModel *m = ngram_fit(order, V, seqs, N_SEQ);
        assert_non_null(m);
        for (int trial = 0; trial < 200; trial++) {
            int hist[3];
            int len = trial % 4;
            for (int j = 0; j < len; j++) {
                x = x * 1664525u + 1013904223u;
                hist[j] = (int)(x >> 16) % V;
            }
            double sum = 0;
            for (int w = 0; w < V; w++) {
                double p = ngram_prob(m, hist, len, w);
                assert_true(p > 0);
                sum += p;
            }
            assert_float_equal(sum, 1.0, 1e-12);
        }
        ngram_free(m);
    }
}

/* Sequence 0 1 0 1 2 over V = 3, bigrams. Padded: ^ 0 1 0 1 2.
 * Bigram counts ^0:1 01:2 10:1 12:1; counts of counts n1=3 n2=1 n3=n4=0, so
 * the fallback discounts 0.5, 1, 1.5. Unigram continuation counts: 0 follows
 * ^ and 1 -> 2; 1 follows 0 -> 1; 2 follows 1 -> 1; total 4, n1=2 n2=1.
 *   P1(0) = (2 - 1 + (0.5*2 + 1*1)/3) / 4 = 5/12
 *   P1(1) = P1(2) = (1 - 0.5 + 2/3) / 4 = 7/24
 *   P2(1|0) = (2 - 1 + 1 * P1(1)) / 2 = 31/48
 *   P2(0|0) = P1(0) / 2 = 5/24
 *   P2(2|1) = (1 - 0.5 + (0.5*2) * P1(2)) / 2 = 19/48
 *   P2(0|^) = (1 - 0.5 + 0.5 * P1(0)) / 1 = 17/24 */
static void bigram_by_hand(void **state)
{
    (void)state;
    int tokens[] = {0, 1, 0, 1, 2};
    TokenSeq seq = {tokens, 5, NULL};
    NgramModel *uni = ngram_fit(1, 3, &seq, 1), *bi = ngram_fit(2, 3, &seq, 1);
    assert_non_null(uni);
    assert_non_null(bi);
    /* A unigram model counts tokens, not continuations: 0:2 1:2 2:1,
     * total 5, n1 = 1, n2 = 2; mass 0.5 + 2 = 2.5.
     *   P(2) = (1 - 0.5 + 2.5/3) / 5 = 4/15 */
    assert_float_equal(ngram_prob(uni, NULL, 0, 2), 4.0 / 15, 1e-12);
    int zero = 0, one = 1;
    assert_float_equal(ngram_prob(bi, &zero, 1, 1), 31.0 / 48, 1e-12);
    assert_float_equal(ngram_prob(bi, &zero, 1, 0), 5.0 / 24, 1e-12);
    assert_float_equal(ngram_prob(bi, &one, 1, 2), 19.0 / 48, 1e-12);
    assert_float_equal(ngram_prob(bi, NULL, 0, 0), 17.0 / 24, 1e-12);
    /* Scoring: every token but the first, -log P summed. The most likely
     * token after 0 is 1 (31/48: right at positions 1 and 3); after 1 it is
     * 0 ((1/2 + 5/12) / 2 = 22/48 against 19/48 for 2: right at position
     * 2, wrong at 4). */
    double nll;
    long n, right;
    ngram_score(bi, &seq, 1, &nll, &n, &right);
    assert_int_equal(n, 4);
    double want =
        -log(31.0 / 48) - log(ngram_prob(bi, tokens, 2, 0)) - log(31.0 / 48) - log(19.0 / 48);
    assert_float_equal(nll, want, 1e-12);
    assert_int_equal(right, 3);
    assert_float_equal(ngram_prob(bi, &one, 1, 0), 22.0 / 48, 1e-12);
    /* An unseen context falls back to the continuation unigram. */
    int two = 2;
    assert_float_equal(ngram_prob(bi, &two, 1, 0), 5.0 / 12, 1e-12);
    ngram_free(uni);
    ngram_free(bi);
}

static void discounts_by_formula(void **state)
{
    (void)state;
    /* n1=100 n2=40 n3=20 n4=10: Y = 100/180 = 5/9;
     * D1 = 1 - 2 (5/9)(0.4) = 5/9; D2 = 2 - 3 (5/9)(0.5) = 7/6;
     * D3 = 3 - 4 (5/9)(0.5) = 17/9. */
    long n[5] = {0, 100, 40, 20, 10};
    double d[4];
    ngram_discounts(n, d);
    assert_float_equal(d[1], 5.0 / 9, 1e-12);
    assert_float_equal(d[2], 7.0 / 6, 1e-12);
    assert_float_equal(d[3], 17.0 / 9, 1e-12);
}

/* Many grams seen three times against few seen twice: Y = 1/3,
 * D2 = 2 - 3 (1/3)(10) < 0. An order whose estimate is not positive takes
 * the fallback discounts, so that an unseen token keeps a probability above
 * 0 (the untransposed folk bigram at two steps a beat once scored an
 * infinite NLL). */
static void discounts_never_zero(void **state)
{
    (void)state;
    long n[5] = {0, 1, 1, 10, 1};
    double d[4];
    ngram_discounts(n, d);
    assert_float_equal(d[1], 0.5, 1e-12);
    assert_float_equal(d[2], 1.0, 1e-12);
    assert_float_equal(d[3], 1.5, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sums_to_one_over_v),
        cmocka_unit_test(bigram_by_hand),
        cmocka_unit_test(discounts_by_formula),
        cmocka_unit_test(discounts_never_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
