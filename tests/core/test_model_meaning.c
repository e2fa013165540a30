/* Broken model meaning: metadata, tensor names and layers, shapes that
 * disagree, weights that are not finite or too large, and files that are
 * missing or too big. Each gives NULL and one sentence naming the file and
 * the key or tensor. Each case starts from a valid model (model_builder.c)
 * and breaks one thing. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "model.h"
#include "model_expect.h"

/* ---- the metadata ---- */

/* Loads m (then frees it) and checks its bar_steps. */
static void expect_loads(TestModel *m, int bar_steps)
{
    size_t size = 0;
    unsigned char *bytes = tm_bytes(m, &size);
    char err[CANTUS_ERROR_SIZE] = "";
    CantusModel *model = cantus_model_load_memory(bytes, size, NAME, err, sizeof err);
    if (!model) fail_msg("%s", err);
    assert_int_equal(cantus_model_info(model)->bar_steps, bar_steps);
    cantus_model_free(model);
    free(bytes);
    tm_free(m);
}

static void missing_metadata_key(void **unused)
{
    (void)unused;
    const char *keys[] = {"cantus.format",     "cantus.note_low",   "cantus.note_high",
                          "cantus.rest_token", "cantus.hold_token", "cantus.steps_per_beat"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        TestModel *m = one_layer();
        json_object_del(tm_meta(m), keys[i]);
        expect_fail(m, "required metadata key", keys[i]);
    }
}

static void no_metadata_at_all(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_del(m->header, "__metadata__");
    expect_fail(m, "required metadata key", "cantus.format");
}

static void wrong_format(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_set_new(tm_meta(m), "cantus.format", json_string("2"));
    expect_fail(m, "is '2', expected '1'", "cantus.format");
}

static void metadata_not_an_integer(void **unused)
{
    (void)unused;
    const char *bad[] = {"abc", "60.5", " 60", "60x", "", "999999999999999999999", "128", "-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        TestModel *m = one_layer();
        json_object_set_new(tm_meta(m), "cantus.note_low", json_string(bad[i]));
        expect_fail(m, "expected an integer in 0..127", "cantus.note_low");
    }
}

static void steps_per_beat_out_of_range(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_set_new(tm_meta(m), "cantus.steps_per_beat", json_string("17"));
    expect_fail(m, "expected an integer in 1..16", "cantus.steps_per_beat");
}

/* cantus.bar_steps is optional: absent or "0" is a model without metre
 * input; P > 0 widens lstm.weight_ih_l0 by P columns. */
static void bar_steps_loads(void **unused)
{
    (void)unused;
    const char *zero_or_absent[2] = {"0", NULL};
    for (int i = 0; i < 2; i++) {
        TestModel *m = one_layer();
        if (zero_or_absent[i])
            json_object_set_new(tm_meta(m), "cantus.bar_steps", json_string(zero_or_absent[i]));
        expect_loads(m, 0);
    }
    expect_loads(tm_make_metre(2, 8, 60, 71, 12), 12);
    expect_loads(tm_make_metre(1, 8, 60, 61, 256), 256);
}

static void bar_steps_out_of_range(void **unused)
{
    (void)unused;
    const char *bad[] = {"-1", "257", "4.0", "four", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        TestModel *m = tm_make_metre(1, 8, 60, 71, 4);
        json_object_set_new(tm_meta(m), "cantus.bar_steps", json_string(bad[i]));
        expect_fail(m, "expected an integer in 0..256", "cantus.bar_steps");
    }
}

/* The key and the shapes disagree, either way: one line that says both. */
static void bar_steps_disagree_with_shapes(void **unused)
{
    (void)unused;
    TestModel *m = one_layer(); /* V = 12, W_ih_l0 [64, 12] */
    json_object_set_new(tm_meta(m), "cantus.bar_steps", json_string("4"));
    expect_fail(m,
                "tensor 'lstm.weight_ih_l0' has 12 columns, but 'cantus.bar_steps' is 4: expected "
                "12 tokens + 4 bar positions = 16",
                NULL);
    m = tm_make_metre(3, 8, 60, 71, 6); /* W_ih_l0 [32, 18] */
    json_object_del(tm_meta(m), "cantus.bar_steps");
    expect_fail(m,
                "tensor 'lstm.weight_ih_l0' has 18 columns, but 'cantus.bar_steps' is 0: expected "
                "12 tokens + 0 bar positions = 12",
                NULL);
    m = tm_make_metre(1, 8, 60, 71, 6);
    json_object_set_new(tm_meta(m), "cantus.bar_steps", json_string("5"));
    expect_fail(m, "has 18 columns, but 'cantus.bar_steps' is 5", NULL);
}

static void note_low_above_high(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_set_new(tm_meta(m), "cantus.note_low", json_string("80"));
    expect_fail(m, "is above 'cantus.note_high'", "cantus.note_low");
}

static void rest_token_misplaced(void **unused)
{
    (void)unused;
    TestModel *m = two_layers(); /* 12 pitches, REST 12, HOLD 13 */
    json_object_set_new(tm_meta(m), "cantus.rest_token", json_string("3"));
    expect_fail(m, "REST and HOLD must be -1 or the indices right after", "cantus.rest_token");
}

static void rest_and_hold_same_index(void **unused)
{
    (void)unused;
    TestModel *m = two_layers();
    json_object_set_new(tm_meta(m), "cantus.hold_token", json_string("12"));
    expect_fail(m, "REST and HOLD must be", "cantus.");
}

static void vocab_mismatch(void **unused)
{
    (void)unused;
    TestModel *m = one_layer(); /* V = 12 */
    json_object_set_new(tm_meta(m), "cantus.note_high", json_string("70"));
    expect_fail(m, "has 12 rows, but the metadata gives 11 pitch tokens", "fc.weight");
}

static void vocab_mismatch_from_rest(void **unused)
{
    (void)unused;
    TestModel *m = one_layer(); /* V = 12, no REST */
    json_object_set_new(tm_meta(m), "cantus.note_high", json_string("70"));
    json_object_set_new(tm_meta(m), "cantus.rest_token", json_string("11"));
    json_object_set_new(tm_meta(m), "cantus.hold_token", json_string("12"));
    expect_fail(m, "has 12 rows, but the metadata gives 11 pitch tokens + REST + HOLD = 13",
                "fc.weight");
}

/* ---- the tensors ---- */

static void inconsistent_recurrent_shape(void **unused)
{
    (void)unused;
    TestModel *m = two_layers(); /* H = 16: weight_hh_l1 is [64, 16] */
    json_object_set_new(tm_tensor(m, "lstm.weight_hh_l1"), "shape", json_pack("[ii]", 32, 32));
    expect_fail(m, "has shape [32, 32], expected [64, 16]", "lstm.weight_hh_l1");
}

static void transposed_input_weights(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_set_new(tm_tensor(m, "lstm.weight_ih_l0"), "shape", json_pack("[ii]", 12, 64));
    expect_fail(m, "has shape [12, 64], expected [64, 12]", "lstm.weight_ih_l0");
}

static void bias_shape_as_matrix(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_set_new(tm_tensor(m, "lstm.bias_ih_l0"), "shape", json_pack("[ii]", 64, 1));
    expect_fail(m, "has shape [64, 1], expected [64]", "lstm.bias_ih_l0");
}

static void recurrent_not_square(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_set_new(tm_tensor(m, "lstm.weight_hh_l0"), "shape", json_pack("[i]", 1024));
    expect_fail(m, "has shape [1024], expected [64, 16]", "lstm.weight_hh_l0");
}

/* The example of the design: a recurrent matrix one column short (its
 * offsets shortened to match, so only the shape is wrong). */
static void recurrent_matrix_one_column_short(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_t *e = tm_tensor(m, "lstm.weight_hh_l0");
    json_int_t begin = json_integer_value(json_array_get(json_object_get(e, "data_offsets"), 0));
    json_object_set_new(e, "shape", json_pack("[ii]", 64, 15));
    json_object_set_new(e, "data_offsets", json_pack("[II]", begin, begin + 64 * 15 * 4));
    expect_fail(m, "tensor 'lstm.weight_hh_l0' has shape [64, 15], expected [64, 16]", NULL);
}

static void vocab_over_cap(void **unused)
{
    (void)unused;
    TestModel *m = tm_make_vocab(1, 4, CANTUS_MAX_VOCAB + 1);
    expect_fail(m, "give a vocabulary of 513 tokens, outside 1..512", "fc.weight");
    /* At the cap itself only the metadata disagrees. */
    m = tm_make_vocab(1, 4, CANTUS_MAX_VOCAB);
    expect_fail(m, "has 512 rows, but the metadata gives 128 pitch tokens", "fc.weight");
}

static void missing_tensor(void **unused)
{
    (void)unused;
    TestModel *m = two_layers();
    json_object_del(m->header, "lstm.bias_hh_l1");
    expect_fail(m, "is missing", "lstm.bias_hh_l1");
    m = one_layer();
    json_object_del(m->header, "fc.bias");
    expect_fail(m, "is missing", "fc.bias");
    m = one_layer();
    json_object_del(m->header, "fc.weight");
    expect_fail(m, "is missing", "fc.weight");
}

static void missing_layer(void **unused)
{
    (void)unused;
    /* Layers l0 and l2: l1 is missing. */
    TestModel *m = two_layers();
    const char *kinds[] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
    for (int i = 0; i < 4; i++) {
        char from[64], to[64];
        snprintf(from, sizeof from, "lstm.%s_l1", kinds[i]);
        snprintf(to, sizeof to, "lstm.%s_l2", kinds[i]);
        tm_rename(m, from, to);
    }
    expect_fail(m, "is missing (layers must be numbered from l0 without gaps)",
                "lstm.weight_ih_l1");
}

static void layer_past_cap(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    tm_rename(m, "lstm.bias_ih_l0", "lstm.bias_ih_l8");
    expect_fail(m, "past the cap of 8 layers", "lstm.bias_ih_l8");
}

static void unknown_tensor(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    tm_rename(m, "fc.bias", "embedding.weight");
    expect_fail(m, "is not part of a Cantus model", "embedding.weight");
    m = one_layer();
    tm_rename(m, "lstm.bias_ih_l0", "lstm.bias_ih_l0_reverse");
    expect_fail(m, "is not part of a Cantus model", "lstm.bias_ih_l0_reverse");
}

static void nan_weight(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    tm_data(m, "lstm.weight_hh_l0")[17] = 0.0f / 0.0f;
    expect_fail(m, "holds a non-finite weight (NaN) at index 17", "lstm.weight_hh_l0");
}

static void inf_weight(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    tm_data(m, "fc.bias")[11] = -1.0f / 0.0f;
    expect_fail(m, "holds a non-finite weight (Inf) at index 11", "fc.bias");
}

static void weight_beyond_cap(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    tm_data(m, "lstm.weight_ih_l0")[3] = 1e30f; /* finite, but 1e30 * 1e30 is not */
    expect_fail(m, "holds a weight of 1e+30 at index 3, beyond the cap of +-65504",
                "lstm.weight_ih_l0");
    m = one_layer();
    tm_data(m, "fc.bias")[0] = -65505.0f;
    expect_fail(m, "beyond the cap", "fc.bias");
    /* The cap itself is accepted. */
    m = one_layer();
    tm_data(m, "fc.bias")[0] = -CANTUS_MAX_WEIGHT;
    size_t size;
    unsigned char *bytes = tm_bytes(m, &size);
    CantusModel *model = cantus_model_load_memory(bytes, size, NAME, NULL, 0);
    assert_non_null(model);
    cantus_model_free(model);
    free(bytes);
    tm_free(m);
}

/* ---- files ---- */

static void nonexistent_file(void **unused)
{
    (void)unused;
    char err[CANTUS_ERROR_SIZE] = "";
    assert_null(cantus_model_load("/nonexistent/cantus/model.safetensors", err, sizeof err));
    assert_non_null(strstr(err, "model '/nonexistent/cantus/model.safetensors': cannot open"));
}

static void directory_instead_of_file(void **unused)
{
    (void)unused;
    char err[CANTUS_ERROR_SIZE] = "";
    assert_null(cantus_model_load("/tmp", err, sizeof err));
    assert_non_null(strstr(err, "model '/tmp': is not a regular file"));
}

static void file_too_big(void **unused)
{
    (void)unused;
    /* A sparse file: the size is checked before a byte is read. */
    char path[] = "/tmp/cantus-too-big-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)CANTUS_MAX_FILE + 1), 0);
    close(fd);
    char err[CANTUS_ERROR_SIZE] = "";
    CantusModel *m = cantus_model_load(path, err, sizeof err);
    unlink(path);
    assert_null(m);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "over the cap of 268435456"));
}

static void file_round_trip_and_small_error_buffer(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    size_t size;
    unsigned char *bytes = tm_bytes(m, &size);
    char path[] = "/tmp/cantus-model-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, size), (ssize_t)size);
    close(fd);
    char err[CANTUS_ERROR_SIZE] = "";
    CantusModel *model = cantus_model_load(path, err, sizeof err);
    if (!model) fail_msg("%s", err);
    cantus_model_free(model);

    /* A truncated copy fails, and a tiny error buffer is cut, not overrun. */
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, bytes, size - 4), (ssize_t)(size - 4));
    close(fd);
    char tiny[12];
    assert_null(cantus_model_load(path, tiny, sizeof tiny));
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
    assert_null(cantus_model_load(path, NULL, 0));
    unlink(path);
    free(bytes);
    tm_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(missing_metadata_key),
        cmocka_unit_test(no_metadata_at_all),
        cmocka_unit_test(wrong_format),
        cmocka_unit_test(metadata_not_an_integer),
        cmocka_unit_test(steps_per_beat_out_of_range),
        cmocka_unit_test(bar_steps_loads),
        cmocka_unit_test(bar_steps_out_of_range),
        cmocka_unit_test(bar_steps_disagree_with_shapes),
        cmocka_unit_test(note_low_above_high),
        cmocka_unit_test(rest_token_misplaced),
        cmocka_unit_test(rest_and_hold_same_index),
        cmocka_unit_test(vocab_mismatch),
        cmocka_unit_test(vocab_mismatch_from_rest),
        cmocka_unit_test(inconsistent_recurrent_shape),
        cmocka_unit_test(transposed_input_weights),
        cmocka_unit_test(bias_shape_as_matrix),
        cmocka_unit_test(recurrent_not_square),
        cmocka_unit_test(recurrent_matrix_one_column_short),
        cmocka_unit_test(vocab_over_cap),
        cmocka_unit_test(missing_tensor),
        cmocka_unit_test(missing_layer),
        cmocka_unit_test(layer_past_cap),
        cmocka_unit_test(unknown_tensor),
        cmocka_unit_test(nan_weight),
        cmocka_unit_test(inf_weight),
        cmocka_unit_test(weight_beyond_cap),
        cmocka_unit_test(nonexistent_file),
        cmocka_unit_test(directory_instead_of_file),
        cmocka_unit_test(file_too_big),
        cmocka_unit_test(file_round_trip_and_small_error_buffer),
    };
    return cmocka_run_group_tests_name("model_meaning", tests, NULL, NULL);
}
