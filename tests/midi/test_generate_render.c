/* One route from a model to notes: for every shipped preset, with the same
 * model, seed, tempo and controls, `cantus-train generate` and
 * `cantus-render` write the same notes (pitch, channel, velocity, start and
 * end tick), read back from both files with the checked reader.
 *
 * The presets are found as cantus-render finds them, through lilv on
 * LV2_PATH (the build's bundle); each is restored into a host, and its
 * controls are read back from the plugin's ports and its model from the
 * plugin's own answer to a patch:Get, so generate gets what the plugin
 * plays, not what this test thinks a preset says. Both programs run as a
 * user runs them.
 *
 * And in a metre: a model with a metre input trained (as its metadata
 * says) at 2 steps a quarter, and one without at 4, played as trained in
 * 4/4, 3/4 and 6/8 by `cantus-render --meter` and `generate --meter`: the
 * same notes, on the model's own steps (its eighths the metre's eighths),
 * and the metre written into both files. */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cantus_host.h"
#include "controls.h"
#include "midi/midi_read.h"
#include "midi_fixture.h"
#include "test_model.h"

#define MODEL_URI "urn:cantus:model"
#define BARS      8
#define BPM       120

static const char *env(const char *name)
{
    const char *value = getenv(name);
    if (!value || !*value) fail_msg("%s is not set (meson test sets it)", name);
    return value;
}

static CantusHost *new_host(void)
{
    char err[512];
    const CantusHostConfig config = {.sample_rate = 48000, .block_length = 256};
    CantusHost *host = cantus_host_new(&config, err, sizeof err);
    if (!host) fail_msg("%s", err);
    return host;
}

/* The model the plugin says it plays (its patch:Set answer to a patch:Get). */
static void model_playing(CantusHost *host, char *path, size_t size)
{
    const LV2_URID model = cantus_host_map(host, MODEL_URI);
    path[0] = '\0';
    assert_true(cantus_host_add_patch_get(host, 0, MODEL_URI));
    for (int cycle = 0; cycle < 8 && !path[0]; cycle++) {
        const uint32_t n = cantus_host_run(host, 64);
        for (uint32_t i = 0; i < n; i++) {
            const CantusEvent *event = cantus_host_event(host, i);
            if (event->kind == CANTUS_EVENT_PATCH_SET && event->property == model &&
                event->value_path)
                snprintf(path, size, "%s", event->value_path);
        }
    }
    if (!path[0]) fail_msg("the plugin did not say which model it plays");
}

/* A preset's controls as generate options: every control input the plugin
 * reads, as --set SYMBOL=VALUE (%.9g gives each float back exactly), but
 * the seed (given to both programs) and fallback_bpm (cantus-render plays
 * at its host tempo; generate's tempo is --bpm). */
static void preset_controls(CantusHost *host, char *options, size_t size)
{
    options[0] = '\0';
    for (int port = 0; port < CANTUS_PORT_COUNT; port++) {
        const CantusControlSpec *spec = &cantus_control_specs[port];
        if (!spec->symbol || spec->output || port == CANTUS_SEED || port == CANTUS_FALLBACK_BPM)
            continue;
        const float value = cantus_host_get_control(host, spec->symbol);
        assert_false(isnan(value));
        const size_t used = strlen(options);
        snprintf(options + used, size - used, " --set %s=%.9g", spec->symbol, (double)value);
    }
}

static void run(const char *command)
{
    const int status = system(command);
    if (status != 0) fail_msg("exit status %d from: %s", status, command);
}

static MidiSong read_song(const char *path)
{
    MidiSong song;
    char reason[MIDI_REASON_SIZE];
    if (midi_read_file(path, &song, reason, sizeof reason) != 0) fail_msg("%s: %s", path, reason);
    return song;
}

/* Returns the number of notes both played. */
static int compare(const char *preset, int seed, const char *rendered, const char *generated)
{
    MidiSong r = read_song(rendered), g = read_song(generated);
    assert_int_equal(r.ppqn, g.ppqn);
    const int n = r.n_notes < g.n_notes ? r.n_notes : g.n_notes;
    for (int i = 0; i < n; i++) {
        const MidiNote *a = &r.notes[i], *b = &g.notes[i];
        if (a->pitch != b->pitch || a->channel != b->channel || a->velocity != b->velocity ||
            a->start != b->start || a->end != b->end)
            fail_msg("%s seed %d, note %d: cantus-render plays pitch %d vel %d ch %d at ticks "
                     "%lld-%lld, generate pitch %d vel %d ch %d at %lld-%lld",
                     preset, seed, i, a->pitch, a->velocity, a->channel + 1, (long long)a->start,
                     (long long)a->end, b->pitch, b->velocity, b->channel + 1, (long long)b->start,
                     (long long)b->end);
    }
    if (r.n_notes != g.n_notes)
        fail_msg("%s seed %d: cantus-render plays %d notes, generate %d", preset, seed, r.n_notes,
                 g.n_notes);
    midi_song_free(&r);
    midi_song_free(&g);
    return n;
}

static int count_preset_files(const char *folder)
{
    DIR *d = opendir(folder);
    assert_non_null(d);
    int n = 0;
    struct dirent *entry;
    while ((entry = readdir(d))) {
        const size_t length = strlen(entry->d_name);
        n += length > 4 && !strcmp(entry->d_name + length - 4, ".ttl");
    }
    closedir(d);
    return n;
}

static void test_generate_plays_what_render_plays(void **state)
{
    (void)state;
    const char *render = env("CANTUS_RENDER"), *train = env("CANTUS_TRAIN");
    CantusHost *probe = new_host();
    CantusPreset *presets;
    const int n = cantus_host_presets(probe, &presets);
    cantus_host_free(probe);
    /* Every preset the source tree ships is in the bundle and compared. */
    assert_int_equal(n, count_preset_files(env("CANTUS_PRESETS")));
    assert_true(n > 0);

    char rendered[600], generated[600], model[1024], options[2048], command[6000];
    snprintf(rendered, sizeof rendered, "%s/render.mid", fixture_dir);
    snprintf(generated, sizeof generated, "%s/generate.mid", fixture_dir);
    const int seeds[] = {0, 11};
    for (int p = 0; p < n; p++) {
        char err[512];
        CantusHost *host = new_host();
        if (!cantus_host_load_preset(host, presets[p].uri, err, sizeof err)) fail_msg("%s", err);
        cantus_host_activate(host);
        model_playing(host, model, sizeof model);
        preset_controls(host, options, sizeof options);
        cantus_host_free(host);
        for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
            snprintf(command, sizeof command,
                     "'%s' --preset '%s' --bars %d --bpm %d --set seed=%d --quiet -o '%s'", render,
                     presets[p].uri, BARS, BPM, seeds[s], rendered);
            run(command);
            snprintf(
                command, sizeof command,
                "'%s' generate --model '%s' --beats %d --bpm %d --seed %d%s -o '%s' 2>/dev/null",
                train, model, BARS * 4, BPM, seeds[s], options, generated);
            run(command);
            const int notes = compare(presets[p].label, seeds[s], rendered, generated);
            print_message("%s, seed %d: %d notes, the same in both\n", presets[p].label, seeds[s],
                          notes);
            /* Eight bars of a preset are music, not a silence both agree on. */
            assert_true(notes >= 16);
        }
    }
    cantus_host_presets_free(presets, n);
}

/* The file's time signature at tick 0. */
static void assert_meter(const MidiSong *song, int numerator, int denominator)
{
    assert_true(song->n_meters >= 1);
    assert_int_equal(song->meters[0].tick, 0);
    assert_int_equal(song->meters[0].numerator, numerator);
    assert_int_equal(song->meters[0].denominator, denominator);
}

static void test_generate_plays_what_render_plays_in_a_metre(void **state)
{
    (void)state;
    const char *render = env("CANTUS_RENDER"), *train = env("CANTUS_TRAIN");
    char models[2][600], rendered[600], generated[600], command[4000];
    const int steps_per_quarter[2] = {2, 4};
    for (int m = 0; m < 2; m++) {
        snprintf(models[m], sizeof models[m], "%s/metre%d.safetensors", fixture_dir, m);
        const TestModelSpec spec = {.note_low = 60,
                                    .pitches = 12,
                                    .hidden = 16,
                                    .seed = 3u + (uint32_t)m,
                                    .scale = 1.5f,
                                    .steps_per_beat = steps_per_quarter[m],
                                    .bar_steps = m == 0 ? 12 : 0};
        assert_int_equal(test_model_write(models[m], &spec), 0);
    }
    snprintf(rendered, sizeof rendered, "%s/render.mid", fixture_dir);
    snprintf(generated, sizeof generated, "%s/generate.mid", fixture_dir);
    const int meters[3][2] = {{4, 4}, {3, 4}, {6, 8}};
    const int bars = 4;
    for (int m = 0; m < 2; m++) {
        for (int k = 0; k < 3; k++) {
            const int n = meters[k][0], d = meters[k][1];
            /* Every step a note (rests off), so the steps are counted. */
            snprintf(command, sizeof command,
                     "'%s' --model '%s' --meter %d/%d --bars %d --bpm %d --set seed=5 "
                     "--set rests=0 --quiet -o '%s' 2>/dev/null",
                     render, models[m], n, d, bars, BPM, rendered);
            run(command);
            snprintf(command, sizeof command,
                     "'%s' generate --model '%s' --meter %d/%d --beats %d --bpm %d --seed 5 "
                     "--set rests=0 --set gate=80 -o '%s' 2>/dev/null",
                     train, models[m], n, d, bars * n * 4 / d, BPM, generated);
            run(command);
            char what[64];
            snprintf(what, sizeof what, "%d/%d, %d steps a quarter", n, d, steps_per_quarter[m]);
            const int notes = compare(what, 5, rendered, generated);
            /* The model's steps: S a quarter whatever the metre's beat. */
            assert_int_equal(notes, bars * n * 4 / d * steps_per_quarter[m]);
            MidiSong r = read_song(rendered), g = read_song(generated);
            assert_meter(&r, n, d);
            assert_meter(&g, n, d);
            const int64_t step_ticks = r.ppqn / steps_per_quarter[m];
            for (int i = 0; i < r.n_notes; i++)
                assert_int_equal(r.notes[i].start, (int64_t)i * step_ticks);
            midi_song_free(&r);
            midi_song_free(&g);
            print_message("%s: %d notes, the same in both\n", what, notes);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_generate_plays_what_render_plays, fixture_dir_setup,
                                        fixture_dir_teardown),
        cmocka_unit_test_setup_teardown(test_generate_plays_what_render_plays_in_a_metre,
                                        fixture_dir_setup, fixture_dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
