/* Register and harmony through a host, with every shipped preset: in the
 * ranges 28-43, 36-60, 72-96 and 60-66 every note is inside the range and
 * allowed by the scale; in a folded range the line's pitch classes are the
 * unfolded line's (Jensen-Shannon divergence over 16 seeds x 256 steps);
 * with a C-Am-F-G progression held on the MIDI input, the notes on the
 * beats are chord tones. At 120 BPM and 48 kHz, a
 * beat is 24000 frames. Figures are printed for docs/plugin.md. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

#define BEAT     24000
#define BAR      (4 * BEAT)
#define BLOCK    4096
#define SEEDS    16
#define STEPS    256
#define MELODY   0x90 /* the plugin's channel 1 */
#define CHORDS   0x91 /* the progression on channel 2, passed through */
#define MAX_URIS 16

typedef struct {
    const char *name;
    float note_low, note_high, scale, transpose, harmony;
} Setting;

static int preset_uris(char uris[MAX_URIS][128])
{
    CantusHost *host = fixture_host(48000, BLOCK, CANTUS_HOST_WORKER_DEFERRED);
    CantusPreset *presets;
    int n = cantus_host_presets(host, &presets);
    int kept = 0;
    for (int i = 0; i < n && kept < MAX_URIS; i++)
        snprintf(uris[kept++], 128, "%s", presets[i].uri);
    cantus_host_presets_free(presets, n);
    cantus_host_free(host);
    assert_true(kept >= 4);
    return kept;
}

/* C - Am - F - G, a bar each, as a keyboard player holds them. */
static const uint8_t progression[4][3] = {{48, 52, 55}, {45, 48, 52}, {41, 45, 48}, {43, 47, 50}};
static const uint16_t progression_classes[4] = {
    1u << 0 | 1u << 4 | 1u << 7, 1u << 9 | 1u << 0 | 1u << 4, 1u << 5 | 1u << 9 | 1u << 0,
    1u << 7 | 1u << 11 | 1u << 2};

/* The chord changes that fall in [from, from + frames): at each bar line
 * the last chord's notes go off and the new one's go on. */
static void add_chords(CantusHost *host, int64_t origin, int64_t from, uint32_t frames)
{
    for (int64_t bar = (from - origin + BAR - 1) / BAR;; bar++) {
        const int64_t frame = origin + bar * BAR;
        if (frame >= from + frames) break;
        const uint32_t offset = (uint32_t)(frame - from);
        if (bar > 0)
            for (int k = 0; k < 3; k++) {
                const uint8_t off[3] = {CHORDS - 0x10, progression[(bar - 1) % 4][k], 0};
                assert_true(cantus_host_add_midi(host, offset, off, 3));
            }
        for (int k = 0; k < 3; k++) {
            const uint8_t on[3] = {CHORDS, progression[bar % 4][k], 80};
            assert_true(cantus_host_add_midi(host, offset, on, 3));
        }
    }
}

/* Plays `steps` steps of a preset from bar 0 with the setting; the melody's
 * note-ons go into pitches[] (and their frames from the start into
 * frames[]); returns how many. */
static int play(const char *preset, const Setting *set, uint32_t seed, bool chords, int *pitches,
                int64_t *frames, int cap)
{
    CantusHost *host = fixture_host(48000, BLOCK, CANTUS_HOST_WORKER_DEFERRED);
    char err[256];
    assert_true(cantus_host_load_preset(host, preset, err, sizeof err));
    cantus_host_set_control(host, "seed", (float)seed);
    cantus_host_set_control(host, "note_low", set->note_low);
    cantus_host_set_control(host, "note_high", set->note_high);
    cantus_host_set_control(host, "scale", set->scale);
    cantus_host_set_control(host, "key", 0.0f);
    cantus_host_set_control(host, "transpose", set->transpose);
    cantus_host_set_control(host, "harmony", set->harmony);
    Session s;
    session_init(&s, host, (int)cantus_host_get_control(host, "rate"), SEND_ON_CHANGE);
    const int64_t origin = cantus_host_frame(host);
    session_start(&s, 0, ratio(0, 1), ratio(120, 1));
    /* STEPS steps at the rate the preset plays (as trained: its model's). */
    const int64_t end = origin + (int64_t)STEPS * BEAT * s.rate.den / s.rate.num;
    while (cantus_host_frame(host) < end) {
        const int64_t now = cantus_host_frame(host);
        if (chords) add_chords(host, origin, now, BLOCK);
        session_run(&s, BLOCK);
    }
    int n = 0;
    for (int i = 0; i < s.n_played; i++) {
        const NoteEvent *e = &s.played[i];
        if (e->status != MELODY || e->velocity == 0 || e->frame >= end) continue;
        if (n < cap) {
            pitches[n] = e->pitch;
            if (frames) frames[n] = e->frame - origin;
        }
        n++;
    }
    session_free(&s);
    cantus_host_free(host);
    return n < cap ? n : cap;
}

static bool allowed(int pitch, const Setting *set)
{
    static const int major[12] = {1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1};
    if (pitch < set->note_low || pitch > set->note_high) return false;
    return set->scale == 0.0f || major[pitch % 12];
}

static const Setting ranges[] = {
    {"28-43", 28, 43, 0, 0, 0},       {"36-60", 36, 60, 0, 0, 0},
    {"72-96", 72, 96, 0, 0, 0},       {"60-66", 60, 66, 0, 0, 0},
    {"28-43 major", 28, 43, 1, 0, 0}, {"36-60 major", 36, 60, 1, 0, 0},
    {"72-96 major", 72, 96, 1, 0, 0}, {"60-66 major", 60, 66, 1, 0, 0},
    {"72-96 +7", 72, 96, 0, 7, 0},    {"28-43 -24", 28, 43, 0, -24, 0},
};

static void every_note_inside_and_allowed(void **unused)
{
    (void)unused;
    char uris[MAX_URIS][128];
    const int n_presets = preset_uris(uris);
    static int pitches[STEPS * 2];
    for (int p = 0; p < n_presets; p++)
        for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
            int notes = 0, low = 127, high = 0;
            for (uint32_t seed = 0; seed < 4; seed++) {
                const int n = play(uris[p], &ranges[r], seed, false, pitches, NULL, STEPS * 2);
                for (int i = 0; i < n; i++) {
                    if (!allowed(pitches[i], &ranges[r]))
                        fail_msg("%s, %s, seed %u: pitch %d", uris[p], ranges[r].name, seed,
                                 pitches[i]);
                    low = pitches[i] < low ? pitches[i] : low;
                    high = pitches[i] > high ? pitches[i] : high;
                }
                notes += n;
            }
            print_message("%-24s %-12s %4d notes in 4 seeds x %d steps, pitches %d-%d\n", uris[p],
                          ranges[r].name, notes, STEPS, low, high);
            assert_true(notes > STEPS / 2);
        }
}

static void pitch_class_histogram(const char *preset, const Setting *set, double hist[12])
{
    static int pitches[STEPS * 2];
    for (int c = 0; c < 12; c++)
        hist[c] = 0;
    double total = 0;
    for (uint32_t seed = 0; seed < SEEDS; seed++) {
        const int n = play(preset, set, seed, false, pitches, NULL, STEPS * 2);
        for (int i = 0; i < n; i++)
            hist[pitches[i] % 12] += 1, total += 1;
    }
    for (int c = 0; c < 12; c++)
        hist[c] /= total;
}

static double jsd(const double *p, const double *q, int n)
{
    double d = 0;
    for (int i = 0; i < n; i++) {
        const double m = (p[i] + q[i]) / 2;
        if (p[i] > 0) d += p[i] * log2(p[i] / m) / 2;
        if (q[i] > 0) d += q[i] * log2(q[i] / m) / 2;
    }
    return d;
}

/* The folded line keeps the pitch classes of the unfolded one (the preset's
 * own range): in a range of an octave or more every token has its place,
 * so the mask, the draws and the tokens are the same and only octaves
 * move. */
static void folding_keeps_the_pitch_classes(void **unused)
{
    (void)unused;
    char uris[MAX_URIS][128];
    const int n_presets = preset_uris(uris);
    for (int p = 0; p < n_presets; p++) {
        CantusHost *host = fixture_host(48000, BLOCK, CANTUS_HOST_WORKER_DEFERRED);
        char err[256];
        assert_true(cantus_host_load_preset(host, uris[p], err, sizeof err));
        const Setting own = {"own",
                             cantus_host_get_control(host, "note_low"),
                             cantus_host_get_control(host, "note_high"),
                             0,
                             0,
                             0};
        cantus_host_free(host);
        double unfolded[12];
        pitch_class_histogram(uris[p], &own, unfolded);
        for (int r = 0; r < 3; r++) {
            double folded[12];
            pitch_class_histogram(uris[p], &ranges[r], folded);
            const double d = jsd(unfolded, folded, 12);
            print_message("%-24s own %g-%g vs %s: pitch-class JSD %.4f bits\n", uris[p],
                          own.note_low, own.note_high, ranges[r].name, d);
            assert_true(d < 0.02);
        }
    }
}

/* C-Am-F-G held on the input, a bar each, four times round; every preset,
 * 4 seeds: the share of the melody's notes on the beats that are tones of
 * the chord held. */
static void chord_tones_on_the_beats(void **unused)
{
    (void)unused;
    char uris[MAX_URIS][128];
    const int n_presets = preset_uris(uris);
    static int pitches[STEPS * 2];
    static int64_t frames[STEPS * 2];
    for (int p = 0; p < n_presets; p++)
        for (int harmony = 0; harmony < 3; harmony++) {
            const Setting set = {"chords", 0, 127, 0, 0, (float)harmony};
            int on_beat = 0, on_beat_tones = 0, between = 0, between_tones = 0;
            for (uint32_t seed = 0; seed < 4; seed++) {
                const int n = play(uris[p], &set, seed, true, pitches, frames, STEPS * 2);
                for (int i = 0; i < n; i++) {
                    const int bar = (int)(frames[i] / BAR);
                    const bool tone = progression_classes[bar % 4] >> (pitches[i] % 12) & 1u;
                    if (frames[i] % BEAT == 0) {
                        on_beat++;
                        on_beat_tones += tone;
                    } else {
                        between++;
                        between_tones += tone;
                    }
                }
            }
            const double share = on_beat ? 100.0 * on_beat_tones / on_beat : 0.0;
            print_message("%-24s harmony %d: %d/%d notes on beats are chord tones (%.1f %%), "
                          "%d/%d between\n",
                          uris[p], harmony, on_beat_tones, on_beat, share, between_tones, between);
            assert_true(on_beat > 32);
            if (harmony > 0) assert_true(share >= 95.0);
            if (harmony == 2) assert_int_equal(between_tones, between);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_note_inside_and_allowed),
        cmocka_unit_test(folding_keeps_the_pitch_classes),
        cmocka_unit_test(chord_tones_on_the_beats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
