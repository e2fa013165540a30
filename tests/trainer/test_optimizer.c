/* Adam and global-norm clipping against values worked by hand (in double,
 * from the formulas of torch.optim.Adam and clip_grad_norm_). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "learn/optimizer.h"

static void adam_two_steps_by_hand(void **state)
{
    (void)state;
    Adam adam;
    assert_int_equal(adam_init(&adam, 3, 0.1), 0);
    float p[3] = {1.0f, -2.0f, 0.5f};
    const float g1[3] = {0.1f, -0.2f, 0.0f}, g2[3] = {0.3f, 0.1f, -0.4f};
    /* Step 1: m = g/10, v = g^2/1000; both bias corrections cancel them, so
     * each weight moves by lr * g / (|g| + eps): 0.1 against the sign of g
     * (and not at all where g = 0). */
    adam_step(&adam, p, g1);
    assert_float_equal(p[0], 0.900000010, 1e-6);
    assert_float_equal(p[1], -1.900000005, 1e-6);
    assert_float_equal(p[2], 0.5, 1e-7);
    /* Step 2: m = 0.9 m + 0.1 g, v = 0.999 v + 0.001 g^2, corrections
     * 1 - 0.9^2 and 1 - 0.999^2. */
    adam_step(&adam, p, g2);
    assert_float_equal(p[0], 0.808221902, 2e-6);
    assert_float_equal(p[1], -1.873366303, 2e-6);
    assert_float_equal(p[2], 0.574413680, 2e-6);
    assert_int_equal(adam.step, 2);
    adam_free(&adam);
}

static void clipping_scales_to_the_norm(void **state)
{
    (void)state;
    float g[4] = {3, 0, -4, 0}; /* norm 5 */
    double norm = clip_grad_norm(g, 4, 1.0);
    assert_float_equal(norm, 5.0, 1e-9);
    /* PyTorch scales by max_norm / (norm + 1e-6). */
    assert_float_equal(g[0], 3 / (5 + 1e-6), 1e-7);
    assert_float_equal(g[2], -4 / (5 + 1e-6), 1e-7);

    float small[2] = {0.3f, 0.4f};
    norm = clip_grad_norm(small, 2, 1.0);
    assert_float_equal(norm, 0.5, 1e-7);
    assert_float_equal(small[0], 0.3, 1e-7); /* under the limit: untouched */

    float off[2] = {30, 40};
    clip_grad_norm(off, 2, 0);
    assert_float_equal(off[1], 40, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(adam_two_steps_by_hand),
        cmocka_unit_test(clipping_scales_to_the_norm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
