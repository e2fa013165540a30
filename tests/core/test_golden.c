/* The step against PyTorch: tests/golden/make_golden.py ran nn.LSTM +
 * nn.Linear (torch 1.13) on the committed models and token sequences and
 * recorded the logits and every layer's h and c after every step.
 *
 * Tolerance: a value a from Cantus matches PyTorch's b when
 *     |a - b| <= 1e-5 * max(1, |b|)
 * i.e. 1e-5 relative for |b| >= 1 and 1e-5 absolute below that, so values
 * near zero (where relative error means nothing) are held to an absolute
 * bound of the same size. Both kernel sets (portable, and AVX2+FMA where
 * the CPU has it) are checked.
 *
 * The metre models (cantus.bar_steps = P, 1 to 3 layers) feed a position
 * with each token; their sequences include positions outside [0, P),
 * which PyTorch was given as all-zero position inputs, the core's rule.
 * Steps without a position go through cantus_lstm_state_step, as every
 * caller did before the metre input existed. */
#include <math.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lstm_internal.h"
#include "model.h"

#define TOLERANCE 1e-5

static json_t *golden;

static int load_golden(void **unused)
{
    (void)unused;
    json_error_t err;
    golden = json_load_file(GOLDEN_DIR "/golden.json", 0, &err);
    if (!golden) {
        fprintf(stderr, "cannot read " GOLDEN_DIR "/golden.json: %s\n", err.text);
        return -1;
    }
    return 0;
}

static int free_golden(void **unused)
{
    (void)unused;
    json_decref(golden);
    return 0;
}

static double compare(const char *what, int step, const float *got, json_t *want, int n)
{
    assert_int_equal(json_array_size(want), n);
    double worst = 0.0;
    for (int i = 0; i < n; i++) {
        double b = json_number_value(json_array_get(want, (size_t)i));
        double diff = fabs((double)got[i] - b);
        double bound = TOLERANCE * fmax(1.0, fabs(b));
        if (!(diff <= bound))
            fail_msg("%s[%d] at step %d is %.9g, PyTorch has %.9g (diff %.3g > %.3g)", what, i,
                     step, (double)got[i], b, diff, bound);
        worst = fmax(worst, diff / fmax(1.0, fabs(b)));
    }
    return worst;
}

static CantusModel *load_case(json_t *c)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", GOLDEN_DIR,
             json_string_value(json_object_get(c, "model")));
    char err[CANTUS_ERROR_SIZE] = "";
    CantusModel *model = cantus_model_load(path, err, sizeof err);
    if (!model) fail_msg("%s", err);
    const CantusModelInfo *info = cantus_model_info(model);
    assert_int_equal(info->vocab, json_integer_value(json_object_get(c, "vocab")));
    assert_int_equal(info->hidden, json_integer_value(json_object_get(c, "hidden")));
    assert_int_equal(info->layers, json_integer_value(json_object_get(c, "layers")));
    assert_int_equal(info->bar_steps, json_integer_value(json_object_get(c, "bar_steps")));
    return model;
}

/* One golden step: with its position when the record has one. */
static const float *golden_step(CantusLstmState *state, json_t *step)
{
    int token = (int)json_integer_value(json_object_get(step, "input"));
    json_t *position = json_object_get(step, "position");
    if (!position) return cantus_lstm_state_step(state, token);
    return cantus_lstm_state_step_at(state, token, (int)json_integer_value(position));
}

static void run_case(json_t *c, const CantusKernels *kernels)
{
    CantusModel *model = load_case(c);
    CantusLstmState *state =
        cantus_lstm_state_new_with_kernels(model, kernels, CANTUS_PRECISION_F32);
    assert_non_null(state);
    const CantusModelInfo *info = cantus_model_info(model);
    json_t *steps = json_object_get(c, "steps");
    double worst = 0.0;

    /* Twice: the second pass after a reset must give the same numbers. */
    for (int pass = 0; pass < 2; pass++) {
        cantus_lstm_state_reset(state);
        for (size_t s = 0; s < json_array_size(steps); s++) {
            json_t *step = json_array_get(steps, s);
            const float *logits = golden_step(state, step);
            assert_ptr_equal(logits, cantus_lstm_state_logits(state));
            worst = fmax(worst, compare("logits", (int)s, logits, json_object_get(step, "logits"),
                                        info->vocab));
            for (int k = 0; k < info->layers; k++) {
                worst = fmax(worst,
                             compare("h", (int)s, cantus_lstm_state_h(state, k),
                                     json_array_get(json_object_get(step, "h"), k), info->hidden));
                worst = fmax(worst,
                             compare("c", (int)s, cantus_lstm_state_c(state, k),
                                     json_array_get(json_object_get(step, "c"), k), info->hidden));
            }
        }
    }
    print_message("%-32s %-9s worst |a-b|/max(1,|b|) = %.3g\n",
                  json_string_value(json_object_get(c, "model")), kernels->name, worst);
    cantus_lstm_state_free(state);
    cantus_model_free(model);
}

static void matches_pytorch_portable(void **unused)
{
    (void)unused;
    json_t *cases = json_object_get(golden, "cases");
    assert_true(json_array_size(cases) >= 7);
    for (size_t i = 0; i < json_array_size(cases); i++)
        run_case(json_array_get(cases, i), cantus_kernels_portable());
}

static void matches_pytorch_avx2(void **unused)
{
    (void)unused;
    const CantusKernels *avx2 = cantus_kernels_avx2();
    if (!avx2) skip();
    json_t *cases = json_object_get(golden, "cases");
    for (size_t i = 0; i < json_array_size(cases); i++)
        run_case(json_array_get(cases, i), avx2);
}

/* The default state (what the plugin gets) is one of the two checked sets,
 * and its first step from a fresh state equals the golden first step. */
static void default_state_is_checked(void **unused)
{
    (void)unused;
    json_t *c = json_array_get(json_object_get(golden, "cases"), 2);
    CantusModel *model = load_case(c);
    CantusLstmState *state = cantus_lstm_state_new(model);
    const char *name = cantus_lstm_state_kernel_name(state);
    const CantusKernels *avx2 = cantus_kernels_avx2();
    assert_string_equal(name, avx2 ? avx2->name : cantus_kernels_portable()->name);
    assert_ptr_equal(cantus_lstm_state_model(state), model);
    for (int i = 0; i < cantus_model_info(model)->vocab; i++)
        assert_true(cantus_lstm_state_logits(state)[i] == 0.0f);
    json_t *first = json_array_get(json_object_get(c, "steps"), 0);
    compare("logits", 0,
            cantus_lstm_state_step(state, (int)json_integer_value(json_object_get(first, "input"))),
            json_object_get(first, "logits"), cantus_model_info(model)->vocab);
    assert_null(cantus_lstm_state_h(state, 1));
    assert_null(cantus_lstm_state_c(state, -1));
    cantus_lstm_state_prefetch(state);
    cantus_lstm_state_free(state);
    cantus_model_free(model);
}

/* The original-layout tensors (what the trainer reads) give the same
 * logits as the packed step: fc.weight h + fc.bias in double. */
static void original_tensors_match_step(void **unused)
{
    (void)unused;
    json_t *cases = json_object_get(golden, "cases");
    for (size_t ci = 0; ci < json_array_size(cases); ci++) {
        CantusModel *model = load_case(json_array_get(cases, ci));
        const CantusModelInfo *info = cantus_model_info(model);
        int rows = 0, cols = 0;
        const float *w = cantus_model_tensor(model, "fc.weight", &rows, &cols);
        assert_non_null(w);
        assert_int_equal(rows, info->vocab);
        assert_int_equal(cols, info->hidden);
        const float *b = cantus_model_tensor(model, "fc.bias", &rows, &cols);
        assert_int_equal(rows, info->vocab);
        assert_int_equal(cols, 1);
        assert_non_null(cantus_model_tensor(model, "lstm.weight_ih_l0", &rows, &cols));
        assert_int_equal(rows, 4 * info->hidden);
        assert_int_equal(cols, info->vocab + info->bar_steps);
        assert_null(cantus_model_tensor(model, "lstm.weight_ih_l9", NULL, NULL));

        CantusLstmState *state = cantus_lstm_state_new(model);
        const float *logits = cantus_lstm_state_step(state, 1);
        const float *h = cantus_lstm_state_h(state, info->layers - 1);
        for (int v = 0; v < info->vocab; v++) {
            double sum = b[v];
            for (int j = 0; j < info->hidden; j++)
                sum += (double)w[v * info->hidden + j] * h[j];
            assert_true(fabs(logits[v] - sum) <= TOLERANCE * fmax(1.0, fabs(sum)));
        }
        cantus_lstm_state_free(state);
        cantus_model_free(model);
    }
}

static json_t *case_named(const char *model)
{
    json_t *cases = json_object_get(golden, "cases");
    for (size_t i = 0; i < json_array_size(cases); i++) {
        json_t *c = json_array_get(cases, i);
        if (strcmp(json_string_value(json_object_get(c, "model")), model) == 0) return c;
    }
    fail_msg("no golden case %s", model);
    return NULL;
}

/* Runs `steps` steps of tokens 0, 1, 2 ... at the given positions on a
 * fresh state and returns the last logits in out. */
static void logits_after(CantusLstmState *state, const int *positions, int steps, float *out,
                         int vocab, bool with_position)
{
    cantus_lstm_state_reset(state);
    const float *logits = NULL;
    for (int i = 0; i < steps; i++)
        logits = with_position ? cantus_lstm_state_step_at(state, i % vocab, positions[i])
                               : cantus_lstm_state_step(state, i % vocab);
    memcpy(out, logits, (size_t)vocab * sizeof(float));
}

/* The rule for a position outside [0, P): no position input at all, the
 * same step as cantus_lstm_state_step, bit for bit, whatever the number
 * (negative, P, far past it); inside [0, P) the position changes the
 * step. A model without metre input ignores every position. */
static void position_out_of_range_is_no_position(void **unused)
{
    (void)unused;
    const char *models[2] = {"metre_l2_h24_v14_p6.safetensors", "tiny_l1_h16_v12.safetensors"};
    for (int m = 0; m < 2; m++) {
        CantusModel *model = load_case(case_named(models[m]));
        const CantusModelInfo *info = cantus_model_info(model);
        int P = info->bar_steps;
        CantusLstmState *state = cantus_lstm_state_new(model);
        float plain[CANTUS_MAX_VOCAB], at[CANTUS_MAX_VOCAB];
        int outside[5] = {-1, P, P + 1, -2147483647 - 1, 2147483647};
        for (int o = 0; o < 5; o++) {
            int positions[3] = {outside[o], outside[o], outside[o]};
            logits_after(state, positions, 3, plain, info->vocab, false);
            logits_after(state, positions, 3, at, info->vocab, true);
            assert_memory_equal(plain, at, (size_t)info->vocab * sizeof(float));
        }
        int inside[3] = {0, 1, 2};
        logits_after(state, inside, 3, at, info->vocab, true);
        if (P > 0)
            assert_memory_not_equal(plain, at, (size_t)info->vocab * sizeof(float));
        else
            assert_memory_equal(plain, at, (size_t)info->vocab * sizeof(float));
        cantus_lstm_state_free(state);
        cantus_model_free(model);
    }
}

/* The step leaves the caller's floating-point mode as it found it. */
static void step_restores_fp_mode(void **unused)
{
    (void)unused;
    json_t *c = json_array_get(json_object_get(golden, "cases"), 0);
    CantusModel *model = load_case(c);
    CantusLstmState *state = cantus_lstm_state_new(model);
    volatile float tiny = 1e-39f; /* a denormal: zero only if FTZ/DAZ leaked */
    cantus_lstm_state_step(state, 3);
    volatile float twice = tiny * 2.0f;
    assert_true(twice > 0.0f);
    cantus_lstm_state_free(state);
    cantus_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_pytorch_portable),
        cmocka_unit_test(matches_pytorch_avx2),
        cmocka_unit_test(default_state_is_checked),
        cmocka_unit_test(original_tensors_match_step),
        cmocka_unit_test(step_restores_fp_mode),
        cmocka_unit_test(position_out_of_range_is_no_position),
    };
    return cmocka_run_group_tests_name("golden", tests, load_golden, free_golden);
}
