/* The float training kernel's parts for this CPU against double precision:
 * - the AVX-512 forward cell (trainer/learn/recur_cells.c) against the
 *   LSTM cell in double with libm: gates, cell state, tanh of it and h,
 *   over pre-activations from -100 to 100 (saturated gates, the tanh's
 *   polynomial and exponential ranges, the exponential's clamps);
 * - a whole float forward and backward pass at a size where the CPU's
 *   tiles and cells run (H = 64: whole panels of 16 units forward and 64
 *   backward; H = 40: partial panels; two layers, the metre input, two threads, a batch no tile
 *   divides) against the double build, which runs the portable tile and
 *   cells (test_gradients proves that one against finite differences).
 * The first is skipped on a CPU without AVX-512, where the trainer never
 * calls it. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "learn/lstm_train.h"
#include "learn/recur_tiles.h"

enum { H = 32, ROWS = 11, G = 4 * H };

static uint32_t rng = 12345;

static double uniform(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (rng >> 8) / 16777216.0;
}

/* Mostly the range where gates live, some far out on both sides. */
static float pre_activation(void)
{
    double u = uniform();
    if (u < 0.1) return (float)(-100 + 80 * uniform());
    if (u < 0.2) return (float)(20 + 80 * uniform());
    if (u < 0.4) return (float)(-0.7 + 1.4 * uniform());
    return (float)(-8 + 16 * uniform());
}

static double sigmoid(double x)
{
    return 1 / (1 + exp(-x));
}

/* |got - want| within 4 float ulps of `scale` (or 1e-37 near zero). */
static void assert_near_scaled(float got, double want, double scale, const char *what, int r, int j)
{
    double tol = fmax(4 * fabs(scale) * 0x1p-23, 1e-37);
    if (fabs(got - want) > tol)
        fail_msg("%s row %d unit %d: %.9g, want %.9g (off %.3g, tolerance %.3g)", what, r, j, got,
                 want, fabs(got - want), tol);
}

static void assert_near(float got, double want, const char *what, int r, int j)
{
    assert_near_scaled(got, want, want, what, r, j);
}

static void cells_match_double_precision(void **state)
{
    (void)state;
    const RecurTiles *isa = recur_tiles_f();
    if (!isa || !isa->forward_cells) skip();
    static float acc[ROWS][64], bias[G], emb[ROWS][G], pos[ROWS][G], cp[ROWS][H];
    static float cn[ROWS][H], tn[ROWS][H], hn[ROWS][H], g[ROWS][G];
    for (int round = 0; round < 200; round++) {
        for (int q = 0; q < G; q++)
            bias[q] = (float)(uniform() - 0.5);
        for (int r = 0; r < ROWS; r++) {
            for (int n = 0; n < 64; n++)
                acc[r][n] = pre_activation();
            for (int q = 0; q < G; q++) {
                emb[r][q] = (float)(uniform() - 0.5);
                pos[r][q] = (float)(uniform() - 0.5);
            }
            for (int j = 0; j < H; j++)
                cp[r][j] = pre_activation() / 10;
        }
        /* The panel of units [16, 32) of every row. */
        const int j0 = 16;
        const float *e[ROWS], *e2[ROWS];
        for (int r = 0; r < ROWS; r++) {
            e[r] = emb[r];
            e2[r] = pos[r];
        }
        CellsForward c = {&acc[0][0], bias + j0,  e,          e2,        j0,   &cp[0][j0],
                          &cn[0][j0], &tn[0][j0], &hn[0][j0], &g[0][j0], ROWS, H};
        isa->forward_cells(&c);
        for (int r = 0; r < ROWS; r++)
            for (int u = 0; u < 16; u++) {
                const int j = j0 + u;
                /* The pre-activations summed in float in the kernel's
                 * order; the activations are what is checked. */
                double a[4];
                for (int q = 0; q < 4; q++) {
                    float s = acc[r][q * 16 + u] + bias[q * H + j];
                    s += emb[r][q * H + j];
                    a[q] = s + pos[r][q * H + j];
                }
                double ig = sigmoid(a[0]), fg = sigmoid(a[1]), gg = tanh(a[2]);
                double og = sigmoid(a[3]);
                assert_near(g[r][j], ig, "input gate", r, j);
                assert_near(g[r][H + j], fg, "forget gate", r, j);
                assert_near(g[r][2 * H + j], gg, "cell gate", r, j);
                assert_near(g[r][3 * H + j], og, "output gate", r, j);
                /* The state from the float gates, as the cell computes it. */
                double kept = (double)g[r][H + j] * cp[r][j];
                double added = (double)g[r][j] * g[r][2 * H + j];
                assert_near_scaled(cn[r][j], kept + added, fabs(kept) + fabs(added), "c", r, j);
                assert_near(tn[r][j], tanh(cn[r][j]), "tanh c", r, j);
                assert_near(hn[r][j], (double)g[r][3 * H + j] * tn[r][j], "h", r, j);
            }
    }
}

enum { PV = 9, PP = 5, PL = 2, PT = 7, PB = 13 };

/* Every value of a gradient within 2e-4 of the largest of its tensor in
 * double (float sums of up to T·B = 91 terms, different orders). */
static void assert_tensor_near(const float *got, const double *want, size_t n, const char *what)
{
    double top = 0;
    for (size_t i = 0; i < n; i++)
        top = fmax(top, fabs(want[i]));
    assert_true(top > 0);
    for (size_t i = 0; i < n; i++)
        if (fabs(got[i] - want[i]) > 2e-4 * top)
            fail_msg("%s[%zu]: %.7g, want %.7g (largest %.3g)", what, i, got[i], want[i], top);
}

static void pass_at_hidden(int PH)
{
    LstmParams_f pf, gf;
    LstmParams_d pd, gd;
    LstmWork_f wf;
    LstmWork_d wd;
    assert_int_equal(lstm_params_alloc_bars_f(&pf, PV, PP, PH, PL), 0);
    assert_int_equal(lstm_params_alloc_bars_f(&gf, PV, PP, PH, PL), 0);
    assert_int_equal(lstm_params_alloc_bars_d(&pd, PV, PP, PH, PL), 0);
    assert_int_equal(lstm_params_alloc_bars_d(&gd, PV, PP, PH, PL), 0);
    assert_int_equal(lstm_work_alloc_f(&wf, PV, PH, PL, PT, PB), 0);
    assert_int_equal(lstm_work_alloc_d(&wd, PV, PH, PL, PT, PB), 0);
    wf.threads = wd.threads = 2;
    for (size_t i = 0; i < pf.count; i++)
        pd.data[i] = pf.data[i] = (float)(0.5 * (uniform() - 0.5));
    int x[PT * PB], q[PT * PB], y[PT * PB];
    for (int i = 0; i < PT * PB; i++) {
        x[i] = (int)(uniform() * PV);
        q[i] = (int)(uniform() * (PP + 1)) - 1; /* -1: no position */
        y[i] = (int)(uniform() * PV);
    }
    long nf = 0, nd = 0;
    double lf = lstm_forward_at_f(&pf, &wf, PT, PB, x, q, y, 0, &nf, NULL);
    double ld = lstm_forward_at_d(&pd, &wd, PT, PB, x, q, y, 0, &nd, NULL);
    assert_int_equal(nf, nd);
    assert_true(fabs(lf - ld) < 1e-5 * fabs(ld));
    lstm_backward_at_f(&pf, &gf, &wf, PT, PB, x, q, y, 1.0 / (double)nf);
    lstm_backward_at_d(&pd, &gd, &wd, PT, PB, x, q, y, 1.0 / (double)nd);
    const size_t G = 4 * PH, GH = G * PH;
    assert_tensor_near(gf.emb, gd.emb, (PV + PP) * G, "emb");
    for (int k = 0; k < PL; k++) {
        if (k > 0) assert_tensor_near(gf.w_ih[k], gd.w_ih[k], GH, "w_ih");
        assert_tensor_near(gf.w_hh[k], gd.w_hh[k], GH, "w_hh");
        assert_tensor_near(gf.b_ih[k], gd.b_ih[k], G, "b_ih");
    }
    assert_tensor_near(gf.fc_w, gd.fc_w, (size_t)PV * PH, "fc_w");
    lstm_work_free_f(&wf);
    lstm_work_free_d(&wd);
    lstm_params_free_f(&pf);
    lstm_params_free_f(&gf);
    lstm_params_free_d(&pd);
    lstm_params_free_d(&gd);
}

/* H = 64: whole panels, the gates streamed past the caches. H = 40: two
 * whole panels with ordinary stores (rows off the cache line) and a last
 * one of 8 units in the portable cell. */
static void pass_matches_double_build(void **state)
{
    (void)state;
    pass_at_hidden(64);
    pass_at_hidden(40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(cells_match_double_precision),
                                       cmocka_unit_test(pass_matches_double_build)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
