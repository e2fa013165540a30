/* Broken safetensors framing: every way the container can be wrong gives
 * NULL and one sentence naming the file and what is wrong (header length,
 * JSON, duplicate keys, dtype, shape, offsets, sizes, overlaps). Each case
 * starts from a valid model (model_builder.c) and breaks one thing. */
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

static void valid_model_loads(void **unused)
{
    (void)unused;
    TestModel *m = two_layers();
    size_t size;
    unsigned char *bytes = tm_bytes(m, &size);
    char err[CANTUS_ERROR_SIZE] = "";
    CantusModel *model = cantus_model_load_memory(bytes, size, NAME, err, sizeof err);
    if (!model) fail_msg("the unbroken model failed: %s", err);
    const CantusModelInfo *info = cantus_model_info(model);
    assert_int_equal(info->layers, 2);
    assert_int_equal(info->hidden, 16);
    assert_int_equal(info->vocab, 14);
    assert_int_equal(info->rest_token, 12);
    assert_int_equal(info->hold_token, 13);
    assert_string_equal(cantus_model_metadata(model, "cantus.genre"), "test");
    assert_null(cantus_model_metadata(model, "cantus.nothing"));
    cantus_model_free(model);
    free(bytes);
    tm_free(m);
}

/* ---- the container ---- */

static void empty_file(void **unused)
{
    (void)unused;
    expect_bytes_fail("", 0, "the file is empty", NULL);
}

static void truncated_header_length(void **unused)
{
    (void)unused;
    expect_bytes_fail("\x10\x00\x00\x00\x00", 5, "too short for the 8-byte header length", NULL);
}

static void header_length_past_end(void **unused)
{
    (void)unused;
    const unsigned char bytes[16] = {0x40, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
    expect_bytes_fail(bytes, sizeof bytes, "runs past the end of the file", "64");
}

/* A header length beyond any header and beyond the file is no model's. */
static void header_length_over_cap(void **unused)
{
    (void)unused;
    unsigned char bytes[16] = {0};
    uint64_t len = (uint64_t)CANTUS_MAX_HEADER + 8;
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)(len >> (8 * i));
    bytes[8] = '{';
    expect_bytes_fail(bytes, sizeof bytes, "not a safetensors model file", NULL);
    /* A length with the top bit set must not wrap around either. */
    memset(bytes, 0xff, 8);
    expect_bytes_fail(bytes, sizeof bytes, "not a safetensors model file", NULL);
}

/* A header that is there, in full, but larger than the cap. */
static void header_over_cap_in_the_file(void **unused)
{
    (void)unused;
    size_t len = (size_t)CANTUS_MAX_HEADER + 8;
    unsigned char *bytes = malloc(8 + len);
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)((uint64_t)len >> (8 * i));
    memset(bytes + 8, ' ', len);
    bytes[8] = '{';
    bytes[9] = '}';
    expect_bytes_fail(bytes, 8 + len, "header length 1048584 is over the cap of 1048576 bytes",
                      NULL);
    free(bytes);
}

/* What a user picks by mistake: a MIDI file, a text, a picture, zeros, a
 * JSON file; the first 8 bytes read as a length no model has, or the header
 * does not open with '{'. One sentence says so, without the length. */
static void not_a_safetensors_file(void **unused)
{
    (void)unused;
    static const struct {
        const char *bytes;
        size_t size;
    } files[] = {
        {"MThd\0\0\0\6\0\1\0\2\1\xe0MTrk\0\0\0\4\0\xff\x2f\0", 26},
        {"# Cantus\n\nCantus is an LV2 plugin that plays one note per beat.\n", 64},
        /* the issue's: once "header length 7526676540175443304 is outside ..." */
        {"hello there\n", 12},
        {"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16},
        {"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16},
        {"{\"__metadata__\": {\"cantus.format\": \"1\"}}", 40},
        /* a plausible length, then not '{' (whitespace is not allowed) */
        {"\x04\0\0\0\0\0\0\0 {} ", 12},
        {"\x04\0\0\0\0\0\0\0[12]", 12},
        /* a length of 1 or 0 cannot hold "{}" */
        {"\x01\0\0\0\0\0\0\0{", 9},
        {"\0\0\0\0\0\0\0\0", 8},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char err[CANTUS_ERROR_SIZE] = "";
        CantusModel *m =
            cantus_model_load_memory(files[i].bytes, files[i].size, NAME, err, sizeof err);
        assert_null(m);
        if (strcmp(err, "model '" NAME "': not a safetensors model file") != 0)
            fail_msg("file %zu: \"%s\"", i, err);
    }
}

static void bad_json(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    size_t size;
    unsigned char *bytes =
        tm_bytes_with_header(m, "{\"__metadata__\": {\"cantus.format\": ", &size);
    expect_bytes_fail(bytes, size, "header is not valid JSON", NULL);
    free(bytes);
    tm_free(m);
}

/* The parser quotes the text near its error; a newline there (found by
 * fuzz_model in CI) must not split the one-line message. */
static void bad_json_quoting_a_newline(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    size_t size;
    unsigned char *bytes = tm_bytes_with_header(m, "{\"lstm.bias\\\n\": 1}", &size);
    expect_bytes_fail(bytes, size, "header is not valid JSON", NULL);
    free(bytes);
    tm_free(m);
}

/* The format pads the header with spaces; a NUL there (which jansson took
 * for the end of the text) is refused, as in safetensors' own reader. */
static void header_padded_with_nul(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    char *text = json_dumps(m->header, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char *padded_text = NULL;
    assert_true(asprintf(&padded_text, "%s        ", text) > 0);
    size_t size;
    unsigned char *bytes = tm_bytes_with_header(m, padded_text, &size);
    char err[CANTUS_ERROR_SIZE] = "";
    CantusModel *model = cantus_model_load_memory(bytes, size, NAME, err, sizeof err);
    if (!model) fail_msg("space padding refused: %s", err);
    cantus_model_free(model);
    uint64_t len = 0;
    for (int i = 7; i >= 0; i--)
        len = len << 8 | bytes[i];
    bytes[8 + len - 1] = '\0';
    expect_bytes_fail(bytes, size, "header is not valid JSON (unexpected byte 0x00", NULL);
    free(bytes);
    free(padded_text);
    free(text);
    tm_free(m);
}

static void header_not_an_object(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    size_t size;
    unsigned char *bytes = tm_bytes_with_header(m, "[1, 2, 3]", &size);
    expect_bytes_fail(bytes, size, "not a safetensors model file", NULL);
    free(bytes);
    tm_free(m);
}

static void duplicate_key(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    char *text = json_dumps(m->header, JSON_COMPACT | JSON_PRESERVE_ORDER);
    const char *open = "{\"__metadata__\":{";
    assert_memory_equal(text, open, strlen(open));
    char *dup = NULL;
    assert_true(asprintf(&dup, "%s\"cantus.format\":\"1\",%s", open, text + strlen(open)) > 0);
    size_t size;
    unsigned char *bytes = tm_bytes_with_header(m, dup, &size);
    expect_bytes_fail(bytes, size, "header is not valid JSON", "duplicate");
    free(bytes);
    free(dup);
    free(text);
    tm_free(m);
}

static void metadata_not_object(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_set_new(m->header, "__metadata__", json_string("x"));
    expect_fail(m, "is not a JSON object", "__metadata__");
}

static void non_string_metadata(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_set_new(tm_meta(m), "cantus.genre", json_integer(3));
    expect_fail(m, "is not a string", "cantus.genre");
}

static void wrong_dtype(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_set_new(tm_tensor(m, "lstm.bias_hh_l0"), "dtype", json_string("F16"));
    expect_fail(m, "has dtype 'F16', expected 'F32'", "lstm.bias_hh_l0");
}

static void missing_dtype(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_del(tm_tensor(m, "fc.bias"), "dtype");
    expect_fail(m, "has no dtype", "fc.bias");
}

static void three_dimensional_shape(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_set_new(tm_tensor(m, "fc.weight"), "shape", json_pack("[iii]", 12, 4, 4));
    expect_fail(m, "has 3 dimensions", "fc.weight");
}

static void non_integer_shape(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_set_new(tm_tensor(m, "fc.weight"), "shape", json_pack("[fi]", 12.0, 16));
    expect_fail(m, "shape entry that is not an integer", "fc.weight");
}

static void negative_shape(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_set_new(tm_tensor(m, "fc.bias"), "shape", json_pack("[i]", -12));
    expect_fail(m, "shape entry that is not an integer", "fc.bias");
}

static void size_mismatch(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_set_new(tm_tensor(m, "lstm.bias_ih_l0"), "shape", json_pack("[i]", 63));
    expect_fail(m, "has 256 bytes of data, but its shape needs 252", "lstm.bias_ih_l0");
}

static void offsets_outside_file(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_t *e = tm_tensor(m, "fc.bias");
    json_object_set_new(e, "data_offsets",
                        json_pack("[II]", (json_int_t)1 << 40, ((json_int_t)1 << 40) + 48));
    expect_fail(m, "outside the data section", "fc.bias");
}

static void offsets_reversed(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_set_new(tm_tensor(m, "fc.bias"), "data_offsets", json_pack("[ii]", 48, 0));
    expect_fail(m, "end before they begin", "fc.bias");
}

static void offsets_missing(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    json_object_set_new(tm_tensor(m, "fc.bias"), "data_offsets", json_pack("[i]", 0));
    expect_fail(m, "no data_offsets pair", "fc.bias");
}

static void overlapping_tensors(void **unused)
{
    (void)unused;
    TestModel *m = one_layer();
    /* fc.bias (12 floats) moved onto the start of fc.weight. */
    json_t *w = json_object_get(tm_tensor(m, "fc.weight"), "data_offsets");
    json_int_t begin = json_integer_value(json_array_get(w, 0));
    json_object_set_new(tm_tensor(m, "fc.bias"), "data_offsets",
                        json_pack("[II]", begin + 8, begin + 8 + 48));
    expect_fail(m, "overlap in the data section", "fc.bias");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_model_loads),
        cmocka_unit_test(empty_file),
        cmocka_unit_test(truncated_header_length),
        cmocka_unit_test(header_length_past_end),
        cmocka_unit_test(header_length_over_cap),
        cmocka_unit_test(header_over_cap_in_the_file),
        cmocka_unit_test(not_a_safetensors_file),
        cmocka_unit_test(bad_json),
        cmocka_unit_test(bad_json_quoting_a_newline),
        cmocka_unit_test(header_padded_with_nul),
        cmocka_unit_test(header_not_an_object),
        cmocka_unit_test(duplicate_key),
        cmocka_unit_test(metadata_not_object),
        cmocka_unit_test(non_string_metadata),
        cmocka_unit_test(wrong_dtype),
        cmocka_unit_test(missing_dtype),
        cmocka_unit_test(three_dimensional_shape),
        cmocka_unit_test(non_integer_shape),
        cmocka_unit_test(negative_shape),
        cmocka_unit_test(size_mismatch),
        cmocka_unit_test(offsets_outside_file),
        cmocka_unit_test(offsets_reversed),
        cmocka_unit_test(offsets_missing),
        cmocka_unit_test(overlapping_tensors),
    };
    return cmocka_run_group_tests_name("model_container", tests, NULL, NULL);
}
