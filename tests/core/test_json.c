/* The strict JSON reader of core/json.c, on its own: what it accepts (the
 * RFC 8259 grammar, escapes, surrogate pairs, UTF-8), what it refuses and
 * says so (json.h's decisions: duplicate keys, \u0000, nesting, trailing
 * text, numbers that are not integers) and the string writer the model
 * writer uses. The loader's messages built on it are pinned in
 * test_model_container.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "json.h"

static CantusJson parse_ok(const char *text)
{
    CantusJson doc;
    CantusJsonError err = {"", 0};
    if (cantus_json_parse(text, strlen(text), &doc, &err) != 0)
        fail_msg("refused %s: %s at %zu", text, err.text, err.pos);
    return doc;
}

/* Refused, with a message containing phrase, found at byte pos (-1: any). */
static void parse_fails_n(const char *text, size_t len, const char *phrase, long pos)
{
    CantusJson doc;
    CantusJsonError err = {"", 0};
    if (cantus_json_parse(text, len, &doc, &err) == 0) {
        cantus_json_free(&doc);
        fail_msg("accepted %.60s (expected \"%s\")", text, phrase);
    }
    assert_null(doc.nodes);
    if (!strstr(err.text, phrase)) fail_msg("%.60s: \"%s\" lacks \"%s\"", text, err.text, phrase);
    if (pos >= 0 && err.pos != (size_t)pos)
        fail_msg("%.60s: \"%s\" at byte %zu, expected %ld", text, err.text, err.pos, pos);
}

static void parse_fails(const char *text, const char *phrase, long pos)
{
    parse_fails_n(text, strlen(text), phrase, pos);
}

/* The string a one-member object's value decodes to. */
static void expect_decoded(const char *text, const char *decoded)
{
    CantusJson doc = parse_ok(text);
    const char *s = cantus_json_string(&doc, cantus_json_object_get(&doc, 0, "k"));
    assert_non_null(s);
    assert_string_equal(s, decoded);
    cantus_json_free(&doc);
}

static void a_header(void **unused)
{
    (void)unused;
    const char *text = "{\"__metadata__\":{\"cantus.format\":\"1\",\"cantus.label\":\"Folk\"},"
                       "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[12],\"data_offsets\":[0,48]},"
                       "\"fc.weight\" : { \"dtype\" : \"F32\" , \"shape\" : [ 12 , 16 ] ,\n"
                       "\t\"data_offsets\" : [ 48 , 816 ] }  }     ";
    CantusJson doc = parse_ok(text);
    assert_true(cantus_json_is(&doc, 0, CANTUS_JSON_OBJECT));
    assert_int_equal(cantus_json_size(&doc, 0), 3);
    const char *keys[] = {"__metadata__", "fc.bias", "fc.weight"};
    int n = 0;
    for (int k = cantus_json_first(&doc, 0); k >= 0; k = cantus_json_next(&doc, k))
        assert_string_equal(cantus_json_string(&doc, k), keys[n++]);
    assert_int_equal(n, 3);
    int meta = cantus_json_object_get(&doc, 0, "__metadata__");
    assert_string_equal(
        cantus_json_string(&doc, cantus_json_object_get(&doc, meta, "cantus.label")), "Folk");
    assert_int_equal(cantus_json_object_get(&doc, meta, "cantus.none"), -1);
    int w = cantus_json_object_get(&doc, 0, "fc.weight");
    int shape = cantus_json_object_get(&doc, w, "shape");
    assert_int_equal(cantus_json_size(&doc, shape), 2);
    int64_t v = 0;
    assert_true(cantus_json_integer(&doc, cantus_json_array_get(&doc, shape, 1), &v));
    assert_int_equal(v, 16);
    assert_int_equal(cantus_json_array_get(&doc, shape, 2), -1);
    assert_int_equal(cantus_json_array_get(&doc, shape, -1), -1);
    int offsets = cantus_json_object_get(&doc, w, "data_offsets");
    assert_true(cantus_json_integer(&doc, cantus_json_array_get(&doc, offsets, 1), &v));
    assert_int_equal(v, 816);
    /* -1 and wrong types are answered, never followed. */
    assert_false(cantus_json_is(&doc, -1, CANTUS_JSON_NULL));
    assert_int_equal(cantus_json_size(&doc, -1), 0);
    assert_int_equal(cantus_json_first(&doc, shape + 1), -1);
    assert_null(cantus_json_string(&doc, shape));
    assert_false(cantus_json_integer(&doc, w, &v));
    assert_int_equal(cantus_json_object_get(&doc, shape, "x"), -1);
    assert_int_equal(cantus_json_array_get(&doc, w, 0), -1);
    assert_int_equal(cantus_json_next(&doc, 1000000), -1);
    cantus_json_free(&doc);
}

static void every_kind_of_value(void **unused)
{
    (void)unused;
    CantusJson doc = parse_ok("[true,false,null,{},[],\"\",[[{}]]]");
    CantusJsonType want[] = {CANTUS_JSON_TRUE,   CANTUS_JSON_FALSE, CANTUS_JSON_NULL,
                             CANTUS_JSON_OBJECT, CANTUS_JSON_ARRAY, CANTUS_JSON_STRING,
                             CANTUS_JSON_ARRAY};
    assert_int_equal(cantus_json_size(&doc, 0), 7);
    for (int i = 0; i < 7; i++)
        assert_true(cantus_json_is(&doc, cantus_json_array_get(&doc, 0, i), want[i]));
    assert_string_equal(cantus_json_string(&doc, cantus_json_array_get(&doc, 0, 5)), "");
    cantus_json_free(&doc);
    /* A lone scalar is a JSON text too. */
    doc = parse_ok(" 7 ");
    assert_true(cantus_json_is(&doc, 0, CANTUS_JSON_INTEGER));
    cantus_json_free(&doc);
    parse_fails("", "unexpected end of the text", 0);
    parse_fails(" \n\t ", "unexpected end of the text", 4);
    parse_fails("tru", "unexpected 't'", 0);
    parse_fails("[nul]", "unexpected 'n'", 1);
    parse_fails("[True]", "unexpected 'T'", 1);
    parse_fails("[undefined]", "unexpected 'u'", 1);
}

static void integers(void **unused)
{
    (void)unused;
    static const struct {
        const char *text;
        int64_t value;
    } cases[] = {
        {"0", 0},
        {"-0", 0},
        {"7", 7},
        {"-12", -12},
        {"1099511627776", 1099511627776},
        {"9223372036854775807", INT64_MAX},
        {"-9223372036854775808", INT64_MIN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CantusJson doc = parse_ok(cases[i].text);
        int64_t v = 1;
        assert_true(cantus_json_integer(&doc, 0, &v));
        assert_true(v == cases[i].value);
        cantus_json_free(&doc);
    }
}

/* Valid numbers that are not int64 integers keep no value: the header has
 * none, and a shape of 12.0 is reported by the loader as not an integer. */
static void numbers_that_are_not_integers(void **unused)
{
    (void)unused;
    const char *cases[] = {"12.0",
                           "1e3",
                           "1E+3",
                           "-1e-2",
                           "0.5",
                           "9223372036854775808",
                           "-9223372036854775809",
                           "123456789012345678901234567890"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CantusJson doc = parse_ok(cases[i]);
        int64_t v;
        assert_true(cantus_json_is(&doc, 0, CANTUS_JSON_NUMBER));
        assert_false(cantus_json_integer(&doc, 0, &v));
        cantus_json_free(&doc);
    }
}

static void numbers_outside_the_grammar(void **unused)
{
    (void)unused;
    parse_fails("[01]", "leading zero", 1);
    parse_fails("[-01]", "leading zero", 1);
    parse_fails("[-]", "'-' without digits", 1);
    parse_fails("[-a]", "'-' without digits", 1);
    parse_fails("[1.]", "no digits after its '.'", 1);
    parse_fails("[1.e3]", "no digits after its '.'", 1);
    parse_fails("[1e]", "no digits in its exponent", 1);
    parse_fails("[1e+]", "no digits in its exponent", 1);
    parse_fails("[.5]", "unexpected '.'", 1);
    parse_fails("[+1]", "unexpected '+'", 1);
    parse_fails("[0x10]", "unexpected 'x'", 2);
    parse_fails("[NaN]", "unexpected 'N'", 1);
    parse_fails("[Infinity]", "unexpected 'I'", 1);
    parse_fails("[-Infinity]", "'-' without digits", 1);
    parse_fails("[1 2]", "expected ',' or ']'", 3);
}

static void escapes(void **unused)
{
    (void)unused;
    expect_decoded("{\"k\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", "\"\\/\b\f\n\r\t");
    expect_decoded("{\"k\":\"\\u0041\\u00e9\\u00E9\\u20ac\"}", "A\xc3\xa9\xc3\xa9\xe2\x82\xac");
    expect_decoded("{\"k\":\"\\u0001\\u001f\\u007f\"}", "\x01\x1f\x7f");
    /* A surrogate pair is one code point: U+1F3B5 and U+10FFFF. */
    expect_decoded("{\"k\":\"\\uD83C\\uDFB5 \\udbff\\udfff\"}",
                   "\xf0\x9f\x8e\xb5 \xf4\x8f\xbf\xbf");
    /* Raw UTF-8 passes through as it is. */
    expect_decoded("{\"k\":\"\xc3\xa9t\xc3\xa9 \xf0\x9f\x8e\xb5 \xe2\x82\xac\"}",
                   "\xc3\xa9t\xc3\xa9 \xf0\x9f\x8e\xb5 \xe2\x82\xac");
    /* Escaped keys are compared decoded. */
    CantusJson doc = parse_ok("{\"\\u0066c.bias\":1}");
    assert_true(cantus_json_object_get(&doc, 0, "fc.bias") >= 0);
    cantus_json_free(&doc);
}

static void bad_escapes(void **unused)
{
    (void)unused;
    parse_fails("[\"\\x\"]", "invalid escape '\\x'", 2);
    parse_fails("[\"\\'\"]", "invalid escape '\\''", 2);
    parse_fails("[\"\\U0041\"]", "invalid escape '\\U'", 2);
    parse_fails_n("[\"\\\n\"]", 5, "invalid escape (a backslash and byte 0x0a)", 2);
    parse_fails("[\"\\u00\"]", "four hex digits", 2);
    parse_fails("[\"\\u00g0\"]", "four hex digits", 2);
    parse_fails("[\"\\u", "four hex digits", 2);
    parse_fails("[\"\\", "never closed", 1);
    parse_fails("[\"ab\\u0000cd\"]", "\\u0000", 4);
    /* Surrogates: a high half needs a low half right after it. */
    parse_fails("[\"\\uD83C\"]", "unpaired surrogate \\uD83C", 2);
    parse_fails("[\"\\uD83Cx\"]", "unpaired surrogate", 2);
    parse_fails("[\"\\uD83C\\u0041\"]", "unpaired surrogate \\uD83C", 2);
    parse_fails("[\"\\uD83C\\uD83C\"]", "unpaired surrogate \\uD83C", 2);
    parse_fails("[\"\\uDFB5\"]", "unpaired surrogate \\uDFB5", 2);
    parse_fails("[\"\\uD83C\\n\"]", "unpaired surrogate", 2);
}

static void bad_strings(void **unused)
{
    (void)unused;
    parse_fails("[\"abc", "never closed", 1);
    parse_fails("{\"abc", "never closed", 1);
    parse_fails("[\"a\tb\"]", "control character 0x09", 3);
    parse_fails("[\"a\nb\"]", "control character 0x0a", 3);
    parse_fails_n("[\"a\0b\"]", 7, "control character 0x00", 3);
    parse_fails("['a']", "unexpected '''", 1);
    /* Not UTF-8: a stray continuation byte, 0xff, an overlong '/' and NUL, a
     * surrogate encoded directly, past U+10FFFF, a sequence cut short. */
    const char *bad[] = {"\x80",
                         "\xff",
                         "\xc0\xaf",
                         "\xc1\xbf",
                         "\xe0\x80\x80",
                         "\xed\xa0\x80",
                         "\xf0\x80\x80\x80",
                         "\xf4\x90\x80\x80",
                         "\xf5\x80\x80\x80",
                         "\xe2\x82",
                         "\xe2\x82x",
                         "\xc3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[32];
        snprintf(text, sizeof text, "[\"a%s\"]", bad[i]);
        parse_fails(text, "invalid UTF-8", 3);
    }
    /* ...and outside a string UTF-8 is no token at all. */
    parse_fails("[\xc3\xa9]", "unexpected byte 0xc3", 1);
}

static void structure(void **unused)
{
    (void)unused;
    parse_fails("{\"a\":1,}", "expected a key string", 7);
    parse_fails("[1,]", "unexpected ']'", 3);
    parse_fails("[,1]", "unexpected ','", 1);
    parse_fails("{\"a\" 1}", "expected ':'", 5);
    parse_fails("{\"a\":}", "unexpected '}'", 5);
    parse_fails("{\"a\":1 \"b\":2}", "expected ',' or '}'", 7);
    parse_fails("{a:1}", "expected a key string", 1);
    parse_fails("{1:1}", "expected a key string", 1);
    parse_fails("{\"a\":1", "unexpected end of the text, expected ',' or '}'", 6);
    parse_fails("[[1]", "expected ',' or ']'", 4);
    parse_fails("{\"a\":[1}", "expected ',' or ']'", 7);
    parse_fails("}", "unexpected '}'", 0);
}

static void trailing_text(void **unused)
{
    (void)unused;
    CantusJson doc = parse_ok("{}  \r\n\t ");
    cantus_json_free(&doc);
    parse_fails("{} x", "expected nothing after the value", 3);
    parse_fails("{}{}", "expected nothing after the value", 2);
    parse_fails("{}]", "expected nothing after the value", 2);
    parse_fails_n("{}\0", 3, "unexpected byte 0x00", 2);
    /* Only JSON's four whitespace characters: not a vertical tab or 0xA0. */
    parse_fails("{}\v", "unexpected byte 0x0b", 2);
    parse_fails("{}\xc2\xa0", "unexpected byte 0xc2", 2);
    parse_fails("\v{}", "unexpected byte 0x0b", 0);
}

static void nesting(void **unused)
{
    (void)unused;
    char text[2 * (CANTUS_JSON_MAX_DEPTH + 1) + 1];
    int d = CANTUS_JSON_MAX_DEPTH;
    memset(text, '[', (size_t)d);
    memset(text + d, ']', (size_t)d);
    text[2 * d] = '\0';
    CantusJson doc = parse_ok(text);
    cantus_json_free(&doc);
    d++;
    memset(text, '[', (size_t)d);
    memset(text + d, ']', (size_t)d);
    text[2 * d] = '\0';
    parse_fails(text, "nesting deeper than 32", d - 1);
    /* Deep nesting that never closes stops at the limit, not the stack. */
    size_t n = 1 << 20;
    char *deep = malloc(n);
    memset(deep, '[', n);
    parse_fails_n(deep, n, "nesting deeper", CANTUS_JSON_MAX_DEPTH);
    /* Objects count as well as arrays. */
    char obj[8 * (CANTUS_JSON_MAX_DEPTH + 1) + 1] = "";
    for (int i = 0; i <= CANTUS_JSON_MAX_DEPTH; i++)
        strcat(obj, "{\"a\":");
    parse_fails(obj, "nesting deeper", 5 * CANTUS_JSON_MAX_DEPTH);
    free(deep);
}

static void duplicate_keys(void **unused)
{
    (void)unused;
    parse_fails("{\"a\":1,\"a\":2}", "duplicate key 'a'", 7);
    parse_fails("{\"a\":1,\"b\":2,\"a\":3}", "duplicate key 'a'", 13);
    /* The same key after decoding is the same key. */
    parse_fails("{\"fc.bias\":1,\"fc\\u002ebias\":2}", "duplicate key 'fc.bias'", 13);
    /* Inside a nested object, and the first in the text is reported. */
    parse_fails("{\"x\":{\"dtype\":1,\"dtype\":2}}", "duplicate key 'dtype'", 16);
    parse_fails("{\"b\":{\"y\":1,\"y\":2},\"b\":3,\"c\":0,\"c\":1}", "duplicate key 'y'", 12);
    parse_fails("{\"c\":0,\"c\":1,\"b\":{\"y\":1,\"y\":2}}", "duplicate key 'c'", 7);
    /* Three times: the second occurrence. */
    parse_fails("{\"a\":1,\"a\":2,\"a\":3}", "duplicate key 'a'", 7);
    /* A long key is cut in the message. */
    char text[256];
    char key[101];
    memset(key, 'k', 100);
    key[100] = '\0';
    snprintf(text, sizeof text, "{\"%s\":1,\"%s\":2}", key, key);
    parse_fails(text, "duplicate key 'kkkkkkkk", -1);
    CantusJson doc;
    CantusJsonError err;
    assert_int_equal(cantus_json_parse(text, strlen(text), &doc, &err), -1);
    assert_true(strlen(err.text) < sizeof err.text - 1);
    assert_non_null(strstr(err.text, "...'"));
    /* A key holding a newline or a tab is quoted on one line. */
    parse_fails("{\"a\\nb\\t\":1,\"a\\nb\\t\":2}", "duplicate key 'a?b?'", 12);
    /* A long key is cut between characters, not inside one (2-byte 'é'). */
    char accents[128] = "{\"x"; /* byte 48 of the key is inside an 'é' */
    for (int i = 0; i < 30; i++)
        strcat(accents, "\xc3\xa9");
    char twice[300];
    snprintf(twice, sizeof twice, "%s\":1,%s\":2}", accents, accents + 1);
    assert_int_equal(cantus_json_parse(twice, strlen(twice), &doc, &err), -1);
    assert_non_null(strstr(err.text, "duplicate key 'x\xc3\xa9"));
    assert_non_null(strstr(err.text, "\xc3\xa9...'"));
    /* The same key in two objects, or as a value, is no duplicate. */
    doc = parse_ok("{\"a\":{\"a\":\"a\"},\"b\":{\"a\":[\"a\",\"a\"]}}");
    cantus_json_free(&doc);
}

/* A 1 MiB header of small members: duplicates are found by sorting, so this
 * takes milliseconds, not the minutes of comparing every pair. */
static void many_members(void **unused)
{
    (void)unused;
    size_t cap = 1 << 20;
    char *text = malloc(cap);
    size_t len = 0;
    int n = 0;
    text[len++] = '{';
    while (len < cap - 32) {
        len += (size_t)snprintf(text + len, cap - len, "%s\"%x\":0", n ? "," : "", n);
        n++;
    }
    text[len++] = '}';
    text[len] = '\0';
    clock_t start = clock();
    CantusJson doc;
    CantusJsonError err;
    assert_int_equal(cantus_json_parse(text, len, &doc, &err), 0);
    assert_int_equal(cantus_json_size(&doc, 0), n);
    cantus_json_free(&doc);
    /* The last key made a copy of the first. */
    char *last = strrchr(text, '"');
    size_t quote = (size_t)(strrchr(text, ',') - text) + 1;
    assert_true(last > text + quote);
    memcpy(text + quote, "\"0\"", 3);
    memmove(text + quote + 3, last + 1, (size_t)(text + len - last - 1));
    len = quote + 3 + (size_t)(text + len - last - 1);
    parse_fails_n(text, len, "duplicate key '0'", (long)quote);
    double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
    printf("# %d members parsed twice in %.3f s\n", n, seconds);
    assert_true(seconds < 5.0);
    free(text);
}

static void text_over_the_limit(void **unused)
{
    (void)unused;
    size_t n = CANTUS_JSON_MAX_TEXT + 1u;
    char *text = malloc(n);
    memset(text, ' ', n);
    text[0] = '{';
    text[1] = '}';
    parse_fails_n(text, n, "over the limit", 0);
    /* One byte less is at the limit, and valid. */
    CantusJson doc;
    CantusJsonError err;
    assert_int_equal(cantus_json_parse(text, n - 1, &doc, &err), 0);
    cantus_json_free(&doc);
    free(text);
}

static void writer_escapes(void **unused)
{
    (void)unused;
    char out[64];
    size_t n = cantus_json_write_string(out, "a\"b\\c/\b\f\n\r\t\x01\x1f\x7f\xc3\xa9");
    out[n] = '\0';
    assert_string_equal(out, "\"a\\\"b\\\\c/\\b\\f\\n\\r\\t\\u0001\\u001F\x7f\xc3\xa9\"");
    assert_int_equal(cantus_json_write_string(NULL, "x\n"), 5);
    assert_true(cantus_json_write_string(NULL, "a\xff") == (size_t)-1);
    assert_true(cantus_json_write_string(NULL, "\xed\xa0\x80") == (size_t)-1);
    /* Every byte 1..127 and some UTF-8 survives a round trip. */
    char s[160];
    int k = 0;
    for (int c = 1; c < 128; c++)
        s[k++] = (char)c;
    strcpy(s + k, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\xb5");
    char text[640] = "{\"k\":";
    size_t len = strlen(text);
    len += cantus_json_write_string(text + len, s);
    strcpy(text + len, "}");
    expect_decoded(text, s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_header),
        cmocka_unit_test(every_kind_of_value),
        cmocka_unit_test(integers),
        cmocka_unit_test(numbers_that_are_not_integers),
        cmocka_unit_test(numbers_outside_the_grammar),
        cmocka_unit_test(escapes),
        cmocka_unit_test(bad_escapes),
        cmocka_unit_test(bad_strings),
        cmocka_unit_test(structure),
        cmocka_unit_test(trailing_text),
        cmocka_unit_test(nesting),
        cmocka_unit_test(duplicate_keys),
        cmocka_unit_test(many_members),
        cmocka_unit_test(text_over_the_limit),
        cmocka_unit_test(writer_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
