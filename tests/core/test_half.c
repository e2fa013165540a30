/* The opt-in half-precision weights: the binary16 conversions, and the
 * step with CANTUS_PRECISION_F16 against PyTorch's golden data.
 *
 * Tolerance (F16 mode only): |a - b| <= 2e-3 * max(1, |b|), against the
 * float32 PyTorch values. Rounding a weight to binary16 changes it by up to
 * 2^-11 relative; over the golden models' dot products and a dozen
 * recurrent steps the worst drift measured is 5.5e-4 (printed when the test
 * runs; the tiny model's weights are scaled x4, the worst case), so 2e-3
 * holds with margin yet catches a wrong layout or conversion, which shows
 * up as errors of order 1e-1 and more. The float path keeps its own 1e-5
 * (test_golden.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "half.h"
#include "lstm_internal.h"
#include "model.h"

#define TOLERANCE_F16 2e-3

static float from_bits(uint32_t x)
{
    float f;
    memcpy(&f, &x, 4);
    return f;
}

static void conversions(void **unused)
{
    (void)unused;
    /* Every half survives half -> float -> half. */
    for (uint32_t h = 0; h < 65536; h++) {
        float f = cantus_half_to_float((uint16_t)h);
        bool nan = ((h >> 10) & 0x1Fu) == 0x1Fu && (h & 0x3FFu);
        if (nan)
            assert_true(isnan(f));
        else
            assert_int_equal(cantus_float_to_half(f), h);
    }
    assert_int_equal(cantus_float_to_half(1.0f), 0x3C00);
    assert_int_equal(cantus_float_to_half(-2.0f), 0xC000);
    assert_int_equal(cantus_float_to_half(65504.0f), 0x7BFF);
    assert_int_equal(cantus_float_to_half(65519.0f), 0x7BFF);
    assert_int_equal(cantus_float_to_half(65520.0f), 0x7C00); /* rounds up to infinity */
    assert_int_equal(cantus_float_to_half(INFINITY), 0x7C00);
    assert_int_equal(cantus_float_to_half(-0.0f), 0x8000);
    /* Ties to even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10. */
    assert_int_equal(cantus_float_to_half(1.0f + 0x1p-11f), 0x3C00);
    assert_int_equal(cantus_float_to_half(1.0f + 3 * 0x1p-11f), 0x3C02);
    assert_int_equal(cantus_float_to_half(1.0f + 0x1p-11f + 0x1p-20f), 0x3C01);
    /* Subnormals: 2^-24 is the smallest; 2^-25 is a tie that goes to 0. */
    assert_int_equal(cantus_float_to_half(0x1p-24f), 0x0001);
    assert_int_equal(cantus_float_to_half(0x1p-25f), 0x0000);
    assert_int_equal(cantus_float_to_half(1.5f * 0x1p-25f), 0x0001);
    assert_int_equal(cantus_float_to_half(0x1p-14f), 0x0400);            /* smallest normal */
    assert_int_equal(cantus_float_to_half(0x1p-14f - 0x1p-25f), 0x0400); /* carries up */
    assert_true(cantus_half_to_float(0x0001) == 0x1p-24f);
    assert_true(cantus_half_to_float(0x03FF) == 0x1p-14f - 0x1p-24f);
    assert_true(isnan(cantus_half_to_float(cantus_float_to_half(from_bits(0x7FC00000u)))));
}

static double run_case(json_t *c, const CantusKernels *kernels)
{
    char path[512], err[CANTUS_ERROR_SIZE] = "";
    snprintf(path, sizeof path, "%s/%s", GOLDEN_DIR,
             json_string_value(json_object_get(c, "model")));
    CantusModel *model = cantus_model_load(path, err, sizeof err);
    if (!model) fail_msg("%s", err);
    CantusLstmState *state =
        cantus_lstm_state_new_with_kernels(model, kernels, CANTUS_PRECISION_F16);
    assert_non_null(state);
    const CantusModelInfo *info = cantus_model_info(model);
    json_t *steps = json_object_get(c, "steps");
    double worst = 0.0;
    for (size_t s = 0; s < json_array_size(steps); s++) {
        json_t *step = json_array_get(steps, s);
        int token = (int)json_integer_value(json_object_get(step, "input"));
        json_t *position = json_object_get(step, "position"); /* metre models only */
        const float *logits =
            position ? cantus_lstm_state_step_at(state, token, (int)json_integer_value(position))
                     : cantus_lstm_state_step(state, token);
        json_t *want = json_object_get(step, "logits");
        for (int i = 0; i < info->vocab; i++) {
            double b = json_number_value(json_array_get(want, (size_t)i));
            double e = fabs((double)logits[i] - b) / fmax(1.0, fabs(b));
            if (!(e <= TOLERANCE_F16))
                fail_msg("%s: logits[%d] at step %zu is %.6g, PyTorch has %.6g", path, i, s,
                         (double)logits[i], b);
            worst = fmax(worst, e);
        }
        for (int k = 0; k < info->layers; k++) {
            json_t *h = json_array_get(json_object_get(step, "h"), (size_t)k);
            for (int i = 0; i < info->hidden; i++) {
                double b = json_number_value(json_array_get(h, (size_t)i));
                double e = fabs((double)cantus_lstm_state_h(state, k)[i] - b) / fmax(1.0, fabs(b));
                assert_true(e <= TOLERANCE_F16);
                worst = fmax(worst, e);
            }
        }
    }
    print_message("%-32s %-9s f16 worst |a-b|/max(1,|b|) = %.3g\n",
                  json_string_value(json_object_get(c, "model")), kernels->name, worst);
    cantus_lstm_state_prefetch(state);
    cantus_lstm_state_free(state);
    cantus_model_free(model);
    return worst;
}

static void f16_matches_pytorch(void **unused)
{
    (void)unused;
    json_error_t jerr;
    json_t *golden = json_load_file(GOLDEN_DIR "/golden.json", 0, &jerr);
    assert_non_null(golden);
    json_t *cases = json_object_get(golden, "cases");
    const CantusKernels *sets[2] = {cantus_kernels_portable(), cantus_kernels_avx2()};
    double worst = 0.0;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; sets[k] && i < json_array_size(cases); i++)
            worst = fmax(worst, run_case(json_array_get(cases, i), sets[k]));
    /* Half precision really is in use: a float path would be within 1e-6. */
    assert_true(worst > 1e-5);
    json_decref(golden);
}

static void precision_argument(void **unused)
{
    (void)unused;
    char path[512], err[CANTUS_ERROR_SIZE] = "";
    snprintf(path, sizeof path, "%s/tiny_l1_h16_v12.safetensors", GOLDEN_DIR);
    CantusModel *model = cantus_model_load(path, err, sizeof err);
    assert_non_null(model);
    assert_null(cantus_lstm_state_new_precision(model, (CantusPrecision)7));
    CantusLstmState *f32 = cantus_lstm_state_new_precision(model, CANTUS_PRECISION_F32);
    CantusLstmState *plain = cantus_lstm_state_new(model);
    /* F32 through either door is the same step. */
    assert_memory_equal(cantus_lstm_state_step(f32, 3), cantus_lstm_state_step(plain, 3),
                        (size_t)cantus_model_info(model)->vocab * sizeof(float));
    cantus_lstm_state_free(plain);
    cantus_lstm_state_free(f32);
    cantus_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conversions),
        cmocka_unit_test(f16_matches_pytorch),
        cmocka_unit_test(precision_argument),
    };
    return cmocka_run_group_tests_name("half", tests, NULL, NULL);
}
