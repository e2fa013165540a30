/* Every gradient of the training kernel against central finite differences,
 * in double precision, on a tiny two-layer model (L=2, H=6, V=9, T=5, B=3).
 * The double kernel is the same source text as the float one that trains
 * (lstm_train_kernel.inc), so this proves the backward pass's structure;
 * test_torch_golden proves the float build against PyTorch. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "learn/lstm_train.h"

enum { V = 9, H = 6, L = 2, T = 5, B = 3 };

static uint64_t mix_state = 0x9e3779b97f4a7c15u;

/* splitmix64: test data only. */
static double uniform(void)
{
    uint64_t z = (mix_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

/* The mean loss with positions q ([T][B], or NULL: no metre input). */
static double mean_loss_at(const LstmParams_d *p, LstmWork_d *w, const int *x, const int *q,
                           const int *y)
{
    long n = 0;
    double nll = lstm_forward_at_d(p, w, T, B, x, q, y, 0, &n, NULL);
    return nll / (double)n;
}

/* Every gradient in g against central finite differences of the mean loss
 * over p's parameters, failing on the first that disagrees; prints the
 * worst errors under `what`. Returns the largest |gradient| of the
 * parameters [watch_lo, watch_hi). */
static double check_against_finite_differences(LstmParams_d *p, const LstmParams_d *g,
                                               LstmWork_d *w, const int *x, const int *q,
                                               const int *y, const char *what, size_t watch_lo,
                                               size_t watch_hi)
{
    const double eps = 1e-6;
    double worst_abs = 0, worst_rel = 0, watched = 0;
    for (size_t i = 0; i < p->count; i++) {
        double keep = p->data[i];
        p->data[i] = keep + eps;
        double up = mean_loss_at(p, w, x, q, y);
        p->data[i] = keep - eps;
        double down = mean_loss_at(p, w, x, q, y);
        p->data[i] = keep;
        double fd = (up - down) / (2 * eps);
        double err = fabs(fd - g->data[i]);
        double rel = err / fmax(fabs(fd) + fabs(g->data[i]), 1e-6);
        if (err > worst_abs) worst_abs = err;
        if (rel > worst_rel) worst_rel = rel;
        if (err > 1e-7 && rel > 1e-5)
            fail_msg("parameter %zu: analytic %.10g, finite difference %.10g", i, g->data[i], fd);
        if (i >= watch_lo && i < watch_hi) watched = fmax(watched, fabs(g->data[i]));
    }
    printf("# %s%zu parameters: max abs error %.3g, max relative error %.3g\n", what, p->count,
           worst_abs, worst_rel);
    return watched;
}

/* with_masked_target also runs the row-independent parts on two threads
 * (uneven slices of the batch of 3). */
static void check_gradients(int with_masked_target)
{
    LstmParams_d p, g;
    LstmWork_d w;
    assert_int_equal(lstm_params_alloc_d(&p, V, H, L), 0);
    assert_int_equal(lstm_params_alloc_d(&g, V, H, L), 0);
    assert_int_equal(lstm_work_alloc_d(&w, V, H, L, T, B), 0);
    /* Larger than PyTorch's init so that every gate is away from its linear
     * region and mistakes in the derivatives show. */
    for (size_t i = 0; i < p.count; i++)
        p.data[i] = 1.6 * (2 * uniform() - 1);
    int x[T * B], y[T * B];
    for (int i = 0; i < T * B; i++) {
        x[i] = (int)(uniform() * V);
        y[i] = (int)(uniform() * V);
    }
    if (with_masked_target) y[7] = -1;

    long n = 0;
    lstm_forward_d(&p, &w, T, B, x, y, 0, &n, NULL);
    lstm_backward_d(&p, &g, &w, T, B, x, y, 1.0 / (double)n);

    check_against_finite_differences(&p, &g, &w, x, NULL, y, "", 0, 0);
    lstm_work_free_d(&w);
    lstm_params_free_d(&g);
    lstm_params_free_d(&p);
}

static void gradients_match_finite_differences(void **state)
{
    (void)state;
    check_gradients(0);
}

static void gradients_match_with_a_masked_target(void **state)
{
    (void)state;
    check_gradients(1);
}

/* A metre model (P = 4 bar positions more as one-hot inputs): the same
 * check over every parameter, the position rows included, with positions
 * that repeat, one out of range each way (no position input), and the
 * row-independent parts on two threads. */
enum { P = 4 };

static void metre_gradients_match_finite_differences(void **state)
{
    (void)state;
    LstmParams_d p, g;
    LstmWork_d w;
    assert_int_equal(lstm_params_alloc_bars_d(&p, V, P, H, L), 0);
    assert_int_equal(lstm_params_alloc_bars_d(&g, V, P, H, L), 0);
    assert_int_equal(lstm_work_alloc_d(&w, V, H, L, T, B), 0);
    w.threads = 2;
    for (size_t i = 0; i < p.count; i++)
        p.data[i] = 1.6 * (2 * uniform() - 1);
    int x[T * B], q[T * B], y[T * B];
    for (int i = 0; i < T * B; i++) {
        x[i] = (int)(uniform() * V);
        q[i] = (i / B) % P; /* the step's position, the same across the batch */
        y[i] = (int)(uniform() * V);
    }
    q[4] = -1;
    q[8] = P;

    long n = 0;
    lstm_forward_at_d(&p, &w, T, B, x, q, y, 0, &n, NULL);
    lstm_backward_at_d(&p, &g, &w, T, B, x, q, y, 1.0 / (double)n);

    /* The position rows are learnt: their gradient is not zero. */
    const size_t rows = (size_t)V * 4 * H, rows_end = (size_t)(V + P) * 4 * H;
    assert_true(check_against_finite_differences(&p, &g, &w, x, q, y, "metre: ", rows, rows_end) >
                1e-3);
    lstm_work_free_d(&w);
    lstm_params_free_d(&g);
    lstm_params_free_d(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gradients_match_finite_differences),
        cmocka_unit_test(gradients_match_with_a_masked_target),
        cmocka_unit_test(metre_gradients_match_finite_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
