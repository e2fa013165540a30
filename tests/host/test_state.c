/* State through lilv, as hosts keep sessions: save with
 * lilv_state_new_from_instance + lilv_state_save, restore with
 * lilv_state_new_from_file + lilv_state_restore (before activate, as Carla
 * does, and while running), a session folder moved to another place, and
 * every shipped preset loaded with lilv_state_new_from_world. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"

/* The same file, whether through the session's link or not. */
static bool same_file(const char *a, const char *b)
{
    char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
    bool same = ra && rb && !strcmp(ra, rb);
    free(ra);
    free(rb);
    return same;
}

/* Loads a model the way a host's file chooser does, and waits for the
 * plugin to announce it. */
static void choose_model(Session *s, const char *path)
{
    assert_true(cantus_host_add_patch_set_path(s->host, 0, MODEL_URI, path));
    for (int i = 0; i < 16 && strcmp(s->last_model, path); ++i)
        session_run(s, 256);
    assert_string_equal(s->last_model, path);
}

static void set_musical_controls(CantusHost *host)
{
    assert_true(cantus_host_set_control(host, "temperature", 0.8f));
    assert_true(cantus_host_set_control(host, "seed", 42.0f));
    assert_true(cantus_host_set_control(host, "gate", 65.0f));
    assert_true(cantus_host_set_control(host, "velocity", 77.0f));
    assert_true(cantus_host_set_control(host, "rate", 2.0f));
    assert_true(cantus_host_set_control(host, "scale", 1.0f));
    assert_true(cantus_host_set_control(host, "key", 2.0f));
}

static void assert_same_music(const int *a, int na, const int *b, int nb)
{
    assert_true(na >= 16);
    assert_int_equal(na, nb);
    for (int i = 0; i < na; ++i)
        if (a[i] != b[i]) fail_msg("note %d differs: %d against %d", i, a[i], b[i]);
}

/* Saved, then restored into a fresh instance before activate: the same
 * model, the same controls, and so the same music as an instance set up by
 * hand. */
static void save_restore_round_trip(void **state)
{
    (void)state;
    char dir[64], model[128], saved[128];
    make_temp_dir(dir, sizeof(dir));
    snprintf(model, sizeof(model), "%s/mine.safetensors", dir);
    snprintf(saved, sizeof(saved), "%s/session", dir);
    write_test_model(model, 11, 48, 24, 24);

    CantusHost *a = fixture_host(48000, 256, CANTUS_HOST_WORKER_DEFERRED);
    set_musical_controls(a);
    Session s;
    session_init(&s, a, 2, SEND_ON_CHANGE);
    choose_model(&s, model);
    session_free(&s);
    char err[512];
    assert_true(mkdir_p_ok(saved));
    fixture_save(a, saved, NULL);
    int ref[256];
    int n_ref = fixture_play_16_beats(a, ref, 256);
    cantus_host_free(a);

    CantusHost *b = fixture_host_inactive();
    fixture_restore(b, saved);
    assert_float_equal(cantus_host_get_control(b, "temperature"), 0.8f, 1e-6);
    assert_float_equal(cantus_host_get_control(b, "seed"), 42.0f, 0);
    assert_float_equal(cantus_host_get_control(b, "velocity"), 77.0f, 0);
    assert_float_equal(cantus_host_get_control(b, "rate"), 2.0f, 0);
    cantus_host_set_control(b, "rests", 0.0f);
    cantus_host_set_control(b, "phrase_bars", 0.0f);
    cantus_host_activate(b);
    Session t;
    session_init(&t, b, 2, SEND_ON_CHANGE);
    if (!same_file(session_ask_model(&t), model))
        fail_msg("restored, the plugin plays %s, not %s", t.last_model, model);
    session_free(&t);
    int got[256];
    int n_got = fixture_play_16_beats(b, got, 256);
    /* The reference instance played its first notes from a fresh start as
     * well: both generators restart where playback starts. */
    assert_same_music(ref, n_ref, got, n_got);
    cantus_host_free(b);

    /* Restoring the same state twice changes nothing (restore is idempotent). */
    CantusHost *c = fixture_host_inactive();
    assert_true(cantus_host_restore_state(c, saved, err, sizeof(err)));
    assert_true(cantus_host_restore_state(c, saved, err, sizeof(err)));
    cantus_host_set_control(c, "rests", 0.0f);
    cantus_host_set_control(c, "phrase_bars", 0.0f);
    cantus_host_activate(c);
    n_got = fixture_play_16_beats(c, got, 256);
    assert_same_music(ref, n_ref, got, n_got);
    cantus_host_free(c);
    remove_tree(dir);
}

static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

/* A model the plugin made its own (in the host's scratch folder) is copied
 * into the saved session, which is then moved elsewhere and the original
 * deleted: through state:mapPath the restored plugin finds the copy. */
static void moved_session_finds_its_model(void **state)
{
    (void)state;
    char dir[64], scratch[128], model[160], saved[128], moved[128], state_ttl[160];
    make_temp_dir(dir, sizeof(dir));
    snprintf(scratch, sizeof(scratch), "%s/scratch", dir);
    snprintf(model, sizeof(model), "%s/tune.safetensors", scratch);
    snprintf(saved, sizeof(saved), "%s/old-place", dir);
    snprintf(moved, sizeof(moved), "%s/new-place", dir);
    assert_true(mkdir_p_ok(scratch));
    assert_true(mkdir_p_ok(saved));
    write_test_model(model, 12, 40, 30, 20);

    CantusHost *a = fixture_host(48000, 256, CANTUS_HOST_WORKER_DEFERRED);
    Session s;
    session_init(&s, a, 1, SEND_ON_CHANGE);
    choose_model(&s, model);
    session_free(&s);
    fixture_save(a, saved, scratch);
    int ref[256];
    int n_ref = fixture_play_16_beats(a, ref, 256);
    cantus_host_free(a);

    snprintf(state_ttl, sizeof(state_ttl), "%s/state.ttl", saved);
    assert_false(file_contains(state_ttl, scratch));
    assert_int_equal(rename(saved, moved), 0);
    remove_tree(scratch);

    CantusHost *b = fixture_host_inactive();
    fixture_restore(b, moved);
    cantus_host_set_control(b, "rests", 0.0f);
    cantus_host_set_control(b, "phrase_bars", 0.0f);
    cantus_host_activate(b);
    Session t;
    session_init(&t, b, 1, SEND_ON_CHANGE);
    const char *now = session_ask_model(&t);
    if (strncmp(now, moved, strlen(moved)))
        fail_msg("the restored plugin plays %s, not a file in %s", now, moved);
    session_free(&t);
    int got[256];
    int n_got = fixture_play_16_beats(b, got, 256);
    assert_same_music(ref, n_ref, got, n_got);
    cantus_host_free(b);
    remove_tree(dir);
}

/* Restoring while rolling goes through the worker; the new model is
 * announced and plays, with no note left hanging. */
static void restore_while_running(void **state)
{
    (void)state;
    char dir[64], model[128], saved[128];
    make_temp_dir(dir, sizeof(dir));
    snprintf(model, sizeof(model), "%s/later.safetensors", dir);
    snprintf(saved, sizeof(saved), "%s/session", dir);
    assert_true(mkdir_p_ok(saved));
    write_test_model(model, 13, 60, 12, 16);
    CantusHost *a = fixture_host(48000, 256, CANTUS_HOST_WORKER_DEFERRED);
    Session s;
    session_init(&s, a, 1, SEND_ON_CHANGE);
    choose_model(&s, model);
    fixture_save(a, saved, NULL);
    session_free(&s);
    cantus_host_free(a);

    for (int mode = 0; mode < 2; ++mode) {
        CantusHost *b = fixture_host(
            48000, 256, mode ? CANTUS_HOST_WORKER_THREADED : CANTUS_HOST_WORKER_DEFERRED);
        Session t;
        session_init(&t, b, 1, SEND_ON_CHANGE);
        session_start(&t, 0, ratio(0, 1), ratio(120, 1));
        session_run_for(&t, 4 * 24000 + 100, 256);
        unsigned jobs = cantus_host_worker_jobs(b);
        fixture_restore(b, saved);
        for (int i = 0; i < 400 && !same_file(t.last_model, model); ++i) {
            session_run(&t, 256);
            cantus_host_worker_drain(b);
        }
        assert_true(same_file(t.last_model, model));
        if (mode < 2) assert_true(cantus_host_worker_jobs(b) > jobs);
        int before = session_note_ons(&t, NULL, 0);
        session_run_for(&t, 4 * 24000, 256);
        session_stop(&t, 0);
        session_run(&t, 256);
        /* The test model's pitches are 60..71. */
        int pitches[64];
        int n = session_pitches(&t, pitches, 64);
        assert_true(n >= before + 3);
        for (int i = n - 3; i < n; ++i)
            assert_true(pitches[i] >= 60 && pitches[i] <= 71);
        assert_no_hanging_notes(&t);
        session_free(&t);
        cantus_host_free(b);
    }
    remove_tree(dir);
}

/* Every shipped preset: found as a pset:Preset of the plugin, read by
 * lilv_state_new_from_world, restored, and it swaps in its own model (a
 * file inside the bundle) and plays. */
static void every_preset_loads_and_plays(void **state)
{
    (void)state;
    CantusHost *probe = fixture_host_inactive();
    CantusPreset *presets;
    int n = cantus_host_presets(probe, &presets);
    cantus_host_free(probe);
    if (n == 0) {
        cantus_host_presets_free(presets, n);
        print_message("the bundle ships no preset yet\n");
        skip();
    }
    const char *bundle = getenv("CANTUS_BUNDLE");
    char *real_bundle = realpath(bundle, NULL);
    assert_non_null(real_bundle);
    for (int i = 0; i < n; ++i) {
        char err[512];
        /* Before activate (a session load) ... */
        CantusHost *host = fixture_host_inactive();
        if (!cantus_host_load_preset(host, presets[i].uri, err, sizeof(err))) fail_msg("%s", err);
        cantus_host_activate(host);
        Session s;
        session_init(&s, host, (int)cantus_host_get_control(host, "rate"), SEND_ON_CHANGE);
        char *model = realpath(session_ask_model(&s), NULL);
        if (!model || strncmp(model, real_bundle, strlen(real_bundle)))
            fail_msg("preset %s plays %s, not a model of the bundle", presets[i].uri,
                     model ? model : "nothing");
        free(model);
        session_start(&s, 0, ratio(0, 1), ratio(120, 1));
        session_run_for(&s, 16 * 24000, 256);
        session_stop(&s, 0);
        session_run(&s, 256);
        if (session_note_ons(&s, NULL, 0) < 4)
            fail_msg("preset %s played %d notes in 16 beats", presets[i].label,
                     session_note_ons(&s, NULL, 0));
        assert_no_hanging_notes(&s);
        session_free(&s);
        cantus_host_free(host);
    }
    free(real_bundle);
    cantus_host_presets_free(presets, n);
}

/* A preset of our making, found, read by lilv_state_new_from_world and
 * restored (before activate, then while rolling through the worker): its
 * controls are set, its model (MIDI 84-95) is loaded from the bundle and
 * plays. The shipped presets are checked the same way above. */
static void a_preset_loads_and_plays(void **state)
{
    (void)state;
    char dir[64], bundle[128], model[192], err[512];
    make_temp_dir(dir, sizeof(dir));
    bundle_with_preset(dir, bundle, sizeof(bundle));
    snprintf(model, sizeof(model), "%s/presets/hosttest.safetensors", bundle);
    for (int active = 0; active < 2; ++active) {
        CantusHostConfig config = {.bundle_dir = bundle, .block_length = 256};
        CantusHost *host = cantus_host_new(&config, err, sizeof(err));
        if (!host) fail_msg("%s", err);
        CantusPreset *presets;
        int n = cantus_host_presets(host, &presets);
        bool listed = false;
        for (int i = 0; i < n; ++i)
            listed |= !strcmp(presets[i].uri, "urn:cantus:preset:hosttest") &&
                      !strcmp(presets[i].label, "Host test");
        cantus_host_presets_free(presets, n);
        assert_true(listed);
        Session s;
        if (active) {
            cantus_host_set_control(host, "rests", 1.0f);
            cantus_host_activate(host);
            session_init(&s, host, 1, SEND_ON_CHANGE);
            session_start(&s, 0, ratio(0, 1), ratio(120, 1));
            session_run_for(&s, 4 * 24000, 256);
        }
        /* By label, as a user types it. */
        if (!cantus_host_load_preset(host, "host test", err, sizeof(err))) fail_msg("%s", err);
        assert_float_equal(cantus_host_get_control(host, "rests"), 0.0f, 0);
        assert_float_equal(cantus_host_get_control(host, "gate"), 55.0f, 0);
        assert_float_equal(cantus_host_get_control(host, "rate"), 2.0f, 0);
        if (!active) {
            cantus_host_activate(host);
            session_init(&s, host, 2, SEND_ON_CHANGE);
            session_start(&s, 0, ratio(0, 1), ratio(120, 1));
        }
        for (int i = 0; i < 64 && !same_file(s.last_model, model); ++i)
            session_run(&s, 256);
        if (!same_file(s.last_model, model))
            fail_msg("the preset's model was not announced (last: %s)", s.last_model);
        int before = session_note_ons(&s, NULL, 0);
        session_run_for(&s, 8 * 24000, 256);
        session_stop(&s, 0);
        session_run(&s, 256);
        int pitches[128];
        int n_p = session_pitches(&s, pitches, 128);
        assert_true(n_p >= before + 14);
        for (int i = before + 2; i < n_p; ++i)
            assert_true(pitches[i] >= 84 && pitches[i] <= 95);
        assert_no_hanging_notes(&s);
        session_free(&s);
        cantus_host_free(host);
    }
    remove_tree(dir);
}

/* A host finds the plugin and its presets on LV2_PATH, as jalv does. */
static void found_on_lv2_path(void **state)
{
    (void)state;
    assert_non_null(getenv("LV2_PATH"));
    char err[512];
    CantusHostConfig config = {0};
    CantusHost *host = cantus_host_new(&config, err, sizeof(err));
    if (!host) fail_msg("%s", err);
    const LilvPlugin *plugin = cantus_host_plugin(host);
    LilvNode *name = lilv_plugin_get_name(plugin);
    assert_non_null(name);
    lilv_node_free(name);
    assert_false(isnan(cantus_host_get_control(host, "temperature")));
    cantus_host_free(host);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(save_restore_round_trip),  cmocka_unit_test(moved_session_finds_its_model),
        cmocka_unit_test(restore_while_running),    cmocka_unit_test(every_preset_loads_and_plays),
        cmocka_unit_test(a_preset_loads_and_plays), cmocka_unit_test(found_on_lv2_path),
    };
    return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
