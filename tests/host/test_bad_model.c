/* A bad model file sent with patch:Set (cut short, tensors of the wrong
 * shape, a NaN weight, a file that is not there, a file that is not a
 * model): the plugin logs one clear line through log:log naming the file,
 * and the model it had goes on playing, note for note as if nothing had
 * been asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

/* Plays 24 beats; at beat 8 the host asks for `bad` (or nothing). */
static int play(const char *bad, int *pitches, int cap, CantusHost **keep)
{
    CantusHost *host = fixture_host(48000, 256, CANTUS_HOST_WORKER_DEFERRED);
    Session s;
    session_init(&s, host, 1, SEND_ON_CHANGE);
    session_start(&s, 0, ratio(0, 1), ratio(120, 1));
    const char *before = NULL;
    session_run_for(&s, 8 * 24000 + 1000, 256);
    before = session_ask_model(&s);
    char model[1024];
    snprintf(model, sizeof(model), "%s", before);
    cantus_host_log_clear(host);
    if (bad) cantus_host_add_patch_set_path(host, 5, MODEL_URI, bad);
    session_run_for(&s, 16 * 24000 - 1000 - 8 * 64, 256);
    assert_string_equal(session_ask_model(&s), model);
    session_stop(&s, 0);
    session_run(&s, 256);
    assert_no_hanging_notes(&s);
    int n = session_pitches(&s, pitches, cap);
    session_free(&s);
    *keep = host;
    return n;
}

static void assert_rejected(const char *bad, const char *what)
{
    int ref[64], got[64];
    CantusHost *host;
    int n_ref = play(NULL, ref, 64, &host);
    assert_int_equal(cantus_host_log_count(host), 0);
    cantus_host_free(host);
    int n_got = play(bad, got, 64, &host);

    unsigned lines = cantus_host_log_count(host);
    if (lines != 1) {
        for (unsigned i = 0; i < lines; ++i)
            print_message("log: %s\n", cantus_host_log_line(host, i));
        fail_msg("%s: %u log lines, not one", what, lines);
    }
    const char *line = cantus_host_log_line(host, 0);
    print_message("%s: \"%s\"\n", what, line);
    assert_non_null(strstr(cantus_host_log_type(host, 0), "Error"));
    const char *name = strrchr(bad, '/') + 1;
    if (!strstr(line, name)) fail_msg("the log line does not name the file: %s", line);
    assert_null(strchr(line, '\n'));
    cantus_host_free(host);

    /* The old model played on: every note the same. */
    assert_true(n_ref >= 23);
    assert_int_equal(n_got, n_ref);
    assert_memory_equal(got, ref, (size_t)n_ref * sizeof(int));
}

static void with_flaw(ModelFlaw flaw, const char *what)
{
    char dir[64], path[128];
    make_temp_dir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/broken-%d.safetensors", dir, (int)flaw);
    write_flawed_model(path, 5, 48, 24, 16, flaw);
    assert_rejected(path, what);
    remove_tree(dir);
}

static void truncated_file(void **state)
{
    (void)state;
    with_flaw(FLAW_TRUNCATED, "truncated");
}

static void wrong_shapes(void **state)
{
    (void)state;
    with_flaw(FLAW_SHAPE, "wrong shape");
}

static void nan_weight(void **state)
{
    (void)state;
    with_flaw(FLAW_NAN, "NaN weight");
}

static void missing_file(void **state)
{
    (void)state;
    assert_rejected("/nonexistent/cantus/nothing-here.safetensors", "missing");
}

static void not_a_model(void **state)
{
    (void)state;
    char dir[64], path[128];
    make_temp_dir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/notes.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("this is a shopping list, not a model\n", f);
    fclose(f);
    assert_rejected(path, "not a model");
    remove_tree(dir);
}

/* After a rejected file a good one still loads. */
static void good_after_bad(void **state)
{
    (void)state;
    char dir[64], bad[128], good[128];
    make_temp_dir(dir, sizeof(dir));
    snprintf(bad, sizeof(bad), "%s/bad.safetensors", dir);
    snprintf(good, sizeof(good), "%s/good.safetensors", dir);
    write_flawed_model(bad, 6, 48, 24, 16, FLAW_NAN);
    write_test_model(good, 6, 72, 12, 16);
    CantusHost *host = fixture_host(48000, 256, CANTUS_HOST_WORKER_DEFERRED);
    Session s;
    session_init(&s, host, 1, SEND_ON_CHANGE);
    session_start(&s, 0, ratio(0, 1), ratio(120, 1));
    cantus_host_add_patch_set_path(host, 0, MODEL_URI, bad);
    session_run_for(&s, 2 * 24000, 256);
    cantus_host_add_patch_set_path(host, 0, MODEL_URI, good);
    session_run_for(&s, 2 * 24000, 256);
    assert_string_equal(session_ask_model(&s), good);
    int before = session_note_ons(&s, NULL, 0);
    session_run_for(&s, 4 * 24000, 256);
    session_stop(&s, 0);
    session_run(&s, 256);
    int pitches[64];
    int n = session_pitches(&s, pitches, 64);
    assert_true(n >= before + 3);
    for (int i = before; i < n; ++i)
        assert_true(pitches[i] >= 72 && pitches[i] <= 83);
    assert_no_hanging_notes(&s);
    session_free(&s);
    cantus_host_free(host);
    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(truncated_file), cmocka_unit_test(wrong_shapes),
        cmocka_unit_test(nan_weight),     cmocka_unit_test(missing_file),
        cmocka_unit_test(not_a_model),    cmocka_unit_test(good_after_bad),
    };
    return cmocka_run_group_tests_name("bad model", tests, NULL, NULL);
}
