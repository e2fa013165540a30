/* The AVX-512 forward cell (trainer/learn/recur_cells.c) against the LSTM
 * cell computed in double precision with libm: gates, cell state, tanh of
 * it and h, over pre-activations from -100 to 100 (saturated gates, the
 * tanh's polynomial and exponential ranges, the exponential's clamps).
 * Skipped on a CPU without AVX-512, where the trainer never calls it. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

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
            e[r] = emb[r] + j0;
            e2[r] = pos[r] + j0;
        }
        CellsForward c = {&acc[0][0], bias + j0,  e,         e2,   &cp[0][j0], &cn[0][j0],
                          &tn[0][j0], &hn[0][j0], &g[0][j0], ROWS, H};
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

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(cells_match_double_precision)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
