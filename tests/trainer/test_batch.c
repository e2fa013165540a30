/* Batch sampling: snippets are true windows of the sequences (targets are
 * the inputs shifted by one), short sequences are padded with positions
 * that carry no target, and every window start is equally likely. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "learn/batch.h"

enum { T = 10, B = 64 };

static void snippets_are_windows(void **state)
{
    (void)state;
    static int long_seq[100], short_seq[4];
    for (int i = 0; i < 100; i++)
        long_seq[i] = 1000 + i; /* the value says where it came from */
    for (int i = 0; i < 4; i++)
        short_seq[i] = 2000 + i;
    TokenSeq seqs[] = {{long_seq, 100, NULL}, {short_seq, 4, NULL}, {short_seq, 1, NULL}};
    BatchSampler s;
    assert_int_equal(batch_sampler_init(&s, seqs, 3, T), 0);
    /* 100 - 10 starts, one for the short one, none for a single token */
    assert_int_equal(batch_sampler_windows(&s), 91);
    CantusRng rng;
    cantus_rng_seed(&rng, 3, 1);
    int x[T * B], y[T * B];
    long from_short = 0, batches = 400;
    for (int n = 0; n < batches; n++) {
        batch_sample(&s, &rng, B, x, y);
        for (int b = 0; b < B; b++) {
            if (x[b] >= 2000) {
                from_short++;
                /* 2000 2001 2002 then padding: 3 targets, the rest none */
                for (int t = 0; t < T; t++) {
                    if (t < 3) {
                        assert_int_equal(x[t * B + b], 2000 + t);
                        assert_int_equal(y[t * B + b], 2001 + t);
                    } else {
                        assert_int_equal(y[t * B + b], -1);
                    }
                }
                continue;
            }
            assert_true(x[b] >= 1000 && x[b] < 1000 + 90);
            for (int t = 0; t < T; t++) {
                assert_int_equal(x[t * B + b], x[b] + t);
                assert_int_equal(y[t * B + b], x[b] + t + 1);
            }
        }
    }
    /* one start in 91: expect 281 of 25600, and far from 0 or half */
    assert_true(from_short > 180 && from_short < 400);
    batch_sampler_free(&s);
}

static void nothing_to_draw_is_an_error(void **state)
{
    (void)state;
    int one = 5;
    TokenSeq seq = {&one, 1, NULL};
    BatchSampler s;
    assert_int_equal(batch_sampler_init(&s, &seq, 1, T), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(snippets_are_windows),
        cmocka_unit_test(nothing_to_draw_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
