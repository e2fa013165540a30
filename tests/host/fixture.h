/* What every host test shares: a CantusHost on the built bundle, a host-side
 * transport that writes time:Position the way Ardour, jalv and Carla do and
 * knows in exact arithmetic on which frame every step must sound, and a
 * recorder of the MIDI the plugin writes, with the checks made on it. */
#ifndef CANTUS_TESTS_HOST_FIXTURE_H
#define CANTUS_TESTS_HOST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cantus_host.h"
#include "test_model.h"

#define MODEL_URI "urn:cantus:model"

/* A host on LV2_PATH (the build tree's bundle), activated, with the
 * controls a timing test wants: rests off (every step sounds), gate 50 %. */
CantusHost *fixture_host(double sample_rate, uint32_t block_length, CantusHostWorkerMode worker);
/* The same from a config (its bundle and logging are the fixture's). */
CantusHost *fixture_host_with(const CantusHostConfig *config);
/* A host on the built bundle, blocks of 256, nothing set and not activated:
 * as a host stands before it restores a session. */
CantusHost *fixture_host_inactive(void);
/* Saving and restoring the plugin's state (lilv's state API, as hosts keep
 * sessions); fail the test with the host's sentence when they fail. */
void fixture_save(CantusHost *host, const char *dir, const char *scratch_dir);
void fixture_restore(CantusHost *host, const char *dir);

/* 16 beats from bar 0 at 120 BPM at the host's rate control; the pitches
 * played go into out (at most cap); returns how many. Fails on a note left
 * hanging. */
int fixture_play_16_beats(CantusHost *host, int *out, int cap);

/* An exact non-negative rational, enough for beats and tempos here. */
typedef struct {
    int64_t num;
    int64_t den;
} Ratio;

Ratio ratio(int64_t num, int64_t den);
Ratio ratio_add(Ratio a, Ratio b);
Ratio ratio_mul(Ratio a, Ratio b);
double ratio_value(Ratio r);

/* Position messages, as hosts send them. */
typedef enum {
    SEND_ON_CHANGE = 0, /* Ardour, jalv: at start, stop, relocate, tempo change */
    SEND_EVERY_CYCLE,   /* Carla: at every cycle's first frame too */
} PositionPolicy;

typedef struct {
    int64_t frame; /* absolute */
    uint8_t status;
    uint8_t pitch;
    uint8_t velocity;
} NoteEvent;

#define MAX_RECORDED 65536

typedef struct {
    CantusHost *host;
    int64_t sample_rate;
    Ratio rate; /* steps per host beat, as the plugin plays them */
    PositionPolicy policy;
    CantusNumberStyle style;
    double beats_per_bar;
    int beat_unit;   /* time:beatUnit: 4 a quarter, 8 an eighth */
    bool as_trained; /* the rate control is 0: rate follows the model */
    /* The tempo line from `anchor_frame` on, exactly. */
    bool rolling;
    Ratio bpm;
    Ratio anchor_beat;
    int64_t anchor_frame;
    /* Steps already known up to here; expected[] holds their frames. */
    int64_t expected_until;
    int64_t *expected;
    int n_expected;
    int cap_expected;
    /* What the plugin played. */
    NoteEvent *played;
    int n_played;
    bool cycle_begun;
    int n_patch_sets;
    const char *last_patch_path; /* valid until the next cycle */
    char last_model[1024];
} Session;

/* A session in 4/4 with the plugin's rate control set to `rate`: 1..4
 * steps a beat, or 0, as trained (the model the plugin announces says its
 * steps a quarter note). */
void session_init(Session *s, CantusHost *host, int rate, PositionPolicy policy);
/* The same in a metre of beats_per_bar beats of 1/beat_unit notes (6 and 8
 * for 6/8): as trained, the model's S steps a quarter are 4 S / beat_unit
 * steps a host beat (plugin/player.h). */
void session_init_meter(Session *s, CantusHost *host, int rate, int beats_per_bar, int beat_unit,
                        PositionPolicy policy);
/* The model's cantus.steps_per_beat, from its file; fails the test when
 * the file does not load. */
int model_file_steps_per_beat(const char *path);
void session_free(Session *s);

/* Transport changes at an offset inside the next cycle; each writes one
 * time:Position there. `beat` is the song position in beats from bar 0. */
void session_start(Session *s, uint32_t offset, Ratio beat, Ratio bpm);
void session_stop(Session *s, uint32_t offset);
void session_locate(Session *s, uint32_t offset, Ratio beat);
void session_tempo(Session *s, uint32_t offset, Ratio bpm);
/* Runs one cycle and records what came out. */
void session_run(Session *s, uint32_t nframes);
/* Runs `frames` in cycles of `block`. */
void session_run_for(Session *s, int64_t frames, uint32_t block);
/* The exact beat under the transport at an absolute frame. */
Ratio session_beat_at(const Session *s, int64_t frame);

int session_note_ons(const Session *s, int64_t *frames, int cap);
/* The pitches of the note-ons, in order; returns how many. */
int session_pitches(const Session *s, int *pitches, int cap);
/* Sends the plugin a model file (patch:Set, as a file chooser does) while
 * the transport stands and runs until the plugin announces it; as trained,
 * the session's rate becomes the new model's. Fails the test otherwise. */
void session_load_model(Session *s, const char *path);
/* Asks the plugin which model it plays (patch:Get) and returns the path it
 * announces, or "" when it announces none within a few cycles. */
const char *session_ask_model(Session *s);
/* Every expected step frame has exactly one note-on and no note-on is
 * elsewhere; fails the cmocka test with the first difference.*/
void assert_notes_on_grid(const Session *s);
/* No note is still sounding; every note-on meets its note-off on the same
 * channel, and no pitch is struck again while it sounds. */
void assert_no_hanging_notes(const Session *s);
/* Each note lasts at most gate% of a step at the slowest tempo played
 * (plus one frame for rounding), or is cut earlier. */
void assert_notes_within_gate(const Session *s, double gate_percent, double slowest_bpm);

/* A small valid model file (random weights from `seed`), in the format of
 * DESIGN.md: `pitches` pitch tokens from note_low, REST and HOLD. */
void write_test_model(const char *path, uint32_t seed, int note_low, int pitches, int hidden);
/* The same with one thing wrong (test_model.h's ModelFlaw). */
void write_flawed_model(const char *path, uint32_t seed, int note_low, int pitches, int hidden,
                        ModelFlaw flaw);
/* A fresh temporary directory; returns its path (static storage per call site). */
char *make_temp_dir(char *buf, size_t size);
void remove_tree(const char *path);
/* A copy of the built bundle in dir (its files linked) with one more
 * preset, <urn:cantus:preset:hosttest> "Host test": rests 0, gate 55,
 * rate 2, and a model of 12 pitches from MIDI 84 in presets/. */
void bundle_with_preset(const char *dir, char *bundle, size_t size);
/* mkdir -p; false on failure. */
bool mkdir_p_ok(const char *path);

#endif
