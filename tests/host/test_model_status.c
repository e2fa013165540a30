/* A session whose model file is missing or broken: the
 * plugin plays the bundle's default in its place, says so (the log, the
 * `model_status` output port: 1 missing, 2 broken) and keeps the path it
 * was asked for, so saving again does not lose it and reopening the session
 * once the file is back loads it (status 0). All through lilv's state API,
 * as hosts keep sessions. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

#define STATUS_OK      0.0f
#define STATUS_MISSING 1.0f
#define STATUS_BROKEN  2.0f

/* The folders of one test: the model lives in models/, sessions beside it. */
typedef struct {
    char dir[64];
    char models[96];
    char model[160]; /* models/mine.safetensors: 24 pitches from MIDI 48 */
    char away[160];  /* where the model is moved to make it missing */
} Place;

static void place_init(Place *p)
{
    make_temp_dir(p->dir, sizeof(p->dir));
    snprintf(p->models, sizeof(p->models), "%s/models", p->dir);
    snprintf(p->model, sizeof(p->model), "%s/mine.safetensors", p->models);
    snprintf(p->away, sizeof(p->away), "%s/mine.away", p->dir);
    assert_true(mkdir_p_ok(p->models));
    write_test_model(p->model, 21, 48, 24, 16);
}

static void session_dir(const Place *p, const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", p->dir, name);
    assert_true(mkdir_p_ok(out));
}

/* A fresh instance with the session at `dir` restored before activate (as
 * Ardour and Carla open a session), activated, every step sounding. */
static CantusHost *reopen(const char *dir)
{
    CantusHost *host = fixture_host_inactive();
    fixture_restore(host, dir);
    cantus_host_set_control(host, "rests", 0.0f);
    cantus_host_set_control(host, "phrase_bars", 0.0f);
    cantus_host_activate(host);
    return host;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Runs a cycle, reads the status port, and asks which model the plugin
 * names (the path it would save). */
static float status_and_model(CantusHost *host, char *model, size_t size)
{
    Session s;
    session_init(&s, host, 1, SEND_ON_CHANGE);
    session_run(&s, 256);
    const float status = cantus_host_get_control(host, "model_status");
    snprintf(model, size, "%s", session_ask_model(&s));
    session_free(&s);
    return status;
}

/* What the bundle's default model plays in the same 16 beats. */
static int default_music(int *out, int cap)
{
    CantusHost *host = fixture_host_inactive();
    cantus_host_set_control(host, "rests", 0.0f);
    cantus_host_set_control(host, "phrase_bars", 0.0f);
    cantus_host_activate(host);
    char model[1024];
    assert_float_equal(status_and_model(host, model, sizeof(model)), STATUS_OK, 0);
    int n = fixture_play_16_beats(host, out, cap);
    cantus_host_free(host);
    return n;
}

static bool log_has(CantusHost *host, const char *a, const char *b)
{
    for (unsigned i = 0; i < cantus_host_log_count(host); ++i) {
        const char *line = cantus_host_log_line(host, i);
        if (strstr(line, a) && strstr(line, b)) return true;
    }
    for (unsigned i = 0; i < cantus_host_log_count(host); ++i)
        print_message("log: %s\n", cantus_host_log_line(host, i));
    return false;
}

/* The session whose file went away: the default plays, status 1, the log
 * says so, and the path survives save → reopen → save → reopen; with the
 * file back, reopening loads it and the status is 0. */
static void missing_then_back(void **state)
{
    (void)state;
    Place p;
    place_init(&p);
    char first[128], second[128], third[128], model[1024];
    session_dir(&p, "first", first, sizeof(first));
    session_dir(&p, "second", second, sizeof(second));
    session_dir(&p, "third", third, sizeof(third));

    /* A session made with the model chosen. */
    CantusHost *a = fixture_host(48000, 256, CANTUS_HOST_WORKER_DEFERRED);
    assert_true(cantus_host_add_patch_set_path(a, 0, MODEL_URI, p.model));
    Session s;
    session_init(&s, a, 1, SEND_ON_CHANGE);
    for (int i = 0; i < 16 && strcmp(s.last_model, p.model); ++i)
        session_run(&s, 256);
    assert_string_equal(s.last_model, p.model);
    assert_float_equal(cantus_host_get_control(a, "model_status"), STATUS_OK, 0);
    session_free(&s);
    fixture_save(a, first, NULL);
    cantus_host_free(a);

    /* The file goes away; the session is reopened. */
    assert_int_equal(rename(p.model, p.away), 0);
    int ref[64], got[64];
    const int n_ref = default_music(ref, 64);
    CantusHost *b = reopen(first);
    assert_float_equal(status_and_model(b, model, sizeof(model)), STATUS_MISSING, 0);
    assert_string_equal(base_name(model), "mine.safetensors");
    assert_true(log_has(b, "mine.safetensors", "missing"));
    const int n_got = fixture_play_16_beats(b, got, 64);
    assert_true(n_ref >= 16);
    assert_int_equal(n_got, n_ref);
    assert_memory_equal(got, ref, (size_t)n_ref * sizeof(int));
    assert_float_equal(cantus_host_get_control(b, "model_status"), STATUS_MISSING, 0);

    /* Saved again while the default stands in: the path is still there. */
    fixture_save(b, second, NULL);
    cantus_host_free(b);
    CantusHost *c = reopen(second);
    assert_float_equal(status_and_model(c, model, sizeof(model)), STATUS_MISSING, 0);
    assert_string_equal(base_name(model), "mine.safetensors");
    fixture_save(c, third, NULL);
    cantus_host_free(c);

    /* The file is back: the session saved twice since loads it. */
    assert_int_equal(rename(p.away, p.model), 0);
    CantusHost *d = reopen(third);
    assert_float_equal(status_and_model(d, model, sizeof(model)), STATUS_OK, 0);
    assert_string_equal(base_name(model), "mine.safetensors");
    const int n = fixture_play_16_beats(d, got, 64);
    assert_true(n >= 16);
    for (int i = 0; i < n; ++i)
        if (got[i] < 48 || got[i] > 71) fail_msg("note %d is %d, not the model's 48-71", i, got[i]);
    cantus_host_free(d);
    remove_tree(p.dir);
}

/* A file that is there but no good: status 2, and the default plays. */
static void broken_file(ModelFlaw flaw, bool text)
{
    Place p;
    place_init(&p);
    char first[128], model[1024];
    session_dir(&p, "first", first, sizeof(first));
    CantusHost *a = fixture_host(48000, 256, CANTUS_HOST_WORKER_DEFERRED);
    assert_true(cantus_host_add_patch_set_path(a, 0, MODEL_URI, p.model));
    Session s;
    session_init(&s, a, 1, SEND_ON_CHANGE);
    for (int i = 0; i < 16 && strcmp(s.last_model, p.model); ++i)
        session_run(&s, 256);
    session_free(&s);
    fixture_save(a, first, NULL);
    cantus_host_free(a);

    if (text) {
        FILE *f = fopen(p.model, "w");
        assert_non_null(f);
        fputs("this is a shopping list, not a model\n", f);
        fclose(f);
    } else {
        write_flawed_model(p.model, 21, 48, 24, 16, flaw);
    }
    int ref[64], got[64];
    const int n_ref = default_music(ref, 64);
    CantusHost *b = reopen(first);
    assert_float_equal(status_and_model(b, model, sizeof(model)), STATUS_BROKEN, 0);
    assert_string_equal(base_name(model), "mine.safetensors");
    assert_true(log_has(b, "mine.safetensors", "default"));
    const int n_got = fixture_play_16_beats(b, got, 64);
    assert_int_equal(n_got, n_ref);
    assert_memory_equal(got, ref, (size_t)n_ref * sizeof(int));
    cantus_host_free(b);
    remove_tree(p.dir);
}

static void nan_weight(void **state)
{
    (void)state;
    broken_file(FLAW_NAN, false);
}

static void truncated(void **state)
{
    (void)state;
    broken_file(FLAW_TRUNCATED, false);
}

static void not_a_model(void **state)
{
    (void)state;
    broken_file(FLAW_NONE, true);
}

/* A fresh instance plays the model it was made with: status 0. */
static void fresh_instance_is_ok(void **state)
{
    (void)state;
    CantusHost *host = fixture_host(48000, 256, CANTUS_HOST_WORKER_DEFERRED);
    char model[1024];
    assert_float_equal(status_and_model(host, model, sizeof(model)), STATUS_OK, 0);
    cantus_host_free(host);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fresh_instance_is_ok), cmocka_unit_test(missing_then_back),
        cmocka_unit_test(nan_weight),           cmocka_unit_test(truncated),
        cmocka_unit_test(not_a_model),
    };
    return cmocka_run_group_tests_name("model status", tests, NULL, NULL);
}
