/* The player: the musical heart of one plugin instance, with no LV2 in it,
 * so tests drive it without a host.
 *
 * It keeps the transport as a beat clock (core/beat_grid.h), walks the step
 * boundaries of each cycle to the frame, asks the generator for each step's
 * token and turns it into notes through the note table. Positions, played
 * notes and control changes arrive between calls to player_render(), each
 * at the frame the player has rendered up to ("render up to the event,
 * apply it, go on").
 *
 * Frames are a running count since player_reset(); the sink receives them
 * in that count, in non-decreasing order.
 *
 * Real-time class: everything but player_replace_engine is real-time safe.
 */
#ifndef CANTUS_PLUGIN_PLAYER_H
#define CANTUS_PLUGIN_PLAYER_H

#include <stdbool.h>
#include <stdint.h>

#include "beat_grid.h"
#include "controls.h"
#include "engine.h"
#include "generator.h"
#include "held_notes.h"
#include "note_table.h"
#include "transport.h"

/* A host position further than this from where we thought we were is a
 * relocation (or a loop wrap); anything closer is rounding, drift and the
 * glitches of a host whose transport stalls for a cycle (jalv on a loaded
 * JACK: 256 frames, 0.012 beats at 130 BPM, and jack_transport's own BBT
 * loses 0.9 % to integer ticks). Closer jumps re-anchor the clock to the
 * host but keep the step count, so nothing is cut, repeated or restarted. */
#define PLAYER_RELOCATE_BEATS (1.0 / 16.0)

/* The most steps one cycle plays. A sane grid is far below it (1000 BPM at
 * rate 4 puts 11 steps in 8192 frames at 48 kHz, 68 at 8 kHz); a host with
 * an absurd sample rate or cycle length would otherwise make one run()
 * compute and write steps by the thousand. Steps beyond it are skipped as
 * a relocation skips them: notes end and the sequence restarts after. */
#define PLAYER_MAX_STEPS_PER_CYCLE 256

/* The `rate` control's default: the model's own steps, wherever the host
 * puts its beat. cantus.steps_per_beat counts steps a quarter note (MIDI's
 * beat, the one the trainer reads files by); a host counts its beats in
 * its time:beatUnit (an eighth in 6/8). So the model's step lasts
 * beatUnit / (4 x steps_per_beat) host beats: a model of 2 steps a quarter
 * plays 2 steps a beat in 4/4 and 3/4 and 1 an eighth in 6/8, its eighths
 * being the host's eighths, and a 6/8 bar holds the 6 steps it was trained
 * on. The explicit rates 1..4 count steps per host beat, as they say. */
#define PLAYER_RATE_AS_TRAINED 0

/* Engines waiting to go back to the worker to be freed. */
#define PLAYER_RETIRED_SIZE 16

typedef struct {
    float temperature;
    uint32_t seed;
    float gate; /* percent of a step, 1..100 */
    int velocity;
    int channel; /* 1..16 */
    int rate;    /* steps per host beat 1..4, or PLAYER_RATE_AS_TRAINED */
    int note_low;
    int note_high;
    int key;
    int scale;
    bool rests;
    int phrase_bars;
    double fallback_bpm;
    bool follow;
    bool enabled;
    int transpose;  /* semitones, -24..24, applied before the range */
    float accent;   /* percent: velocity shaped by the position in the bar */
    float humanize; /* percent: velocity variation from a stream of its own */
    float swing;    /* percent of a pair of steps where its second starts, 50..75 */
    int harmony;    /* CantusHarmony */
} CantusControls;

/* The controls' defaults, as cantus.ttl declares them (controls.c's table). */
CantusControls player_default_controls(void);

typedef struct {
    double sample_rate;
    int64_t now; /* the next frame to render */
    CantusControls controls;
    CantusTransport transport;
    CantusBeatClock clock;
    double rate; /* steps per host beat in effect (player_rate) */
    bool rolling;
    int64_t next_step; /* the next step boundary to play */
    int steps_left;    /* of PLAYER_MAX_STEPS_PER_CYCLE, this cycle */
    CantusNoteTable notes;
    CantusGenerator gen;
    CantusMidiSink sink;

    CantusEngine *engine;  /* the model playing */
    CantusEngine *pending; /* loaded, waiting for the next step boundary */
    CantusEngine *retired[PLAYER_RETIRED_SIZE];
    int retired_count;
    bool swapped; /* an engine went live since the flag was last cleared */

    /* The notes held on the MIDI input, and their pitch classes, for the
     * harmony control. */
    CantusHeldNotes held;
    uint16_t held_classes;

    /* The last note started, for HOLD (a tie lengthens it). */
    bool tied_valid;
    uint8_t tied_channel;
    uint8_t tied_pitch;
} CantusPlayer;

void player_init(CantusPlayer *player, double sample_rate, CantusMidiSink sink);

/* activate(): the notes sounding are released through the sink (at the old
 * frame), then frame 0, no host position yet (so free-running at
 * fallback_bpm until the host sends one), the sequence restarts. */
void player_reset(CantusPlayer *player);

/* Not real-time safe: puts an engine in place at once (instantiate, or
 * restore while inactive) and returns the one it replaces, for the caller to
 * free. Notes sounding are released at the current frame. */
CantusEngine *player_replace_engine(CantusPlayer *player, CantusEngine *engine);

/* From the worker's response: goes live at the next step boundary (at once
 * when nothing plays). A previous pending engine is retired unplayed; when
 * the retired list is full it is returned instead, for the caller to send
 * to the worker (or free, outside real time). NULL otherwise. */
CantusEngine *player_offer_engine(CantusPlayer *player, CantusEngine *engine);

/* The next engine to send back to the worker for freeing, or NULL. */
CantusEngine *player_take_retired(CantusPlayer *player);

/* Puts an engine (back) on the list to be freed by the worker; false when
 * the list is full (the caller keeps it). */
bool player_offer_retired(CantusPlayer *player, CantusEngine *engine);

/* Applies the controls read at the start of a cycle. */
void player_set_controls(CantusPlayer *player, const CantusControls *controls);

/* The controls from the ports' values (NULL for a port the host left
 * unconnected), each clamped to its range in controls.c's table. */
CantusControls player_controls_from_ports(const float *const ports[CANTUS_PORT_COUNT]);

/* Work ahead between steps; once per cycle, before rendering it. It also
 * starts the cycle's step budget (PLAYER_MAX_STEPS_PER_CYCLE). */
void player_work_ahead(CantusPlayer *player, uint32_t cycle_frames);

/* A time:Position at the current frame. */
void player_position(CantusPlayer *player, const CantusPositionFields *fields);

/* A MIDI message played into the plugin at the current frame: the held
 * notes (harmony, held_notes.h) and follow. */
void player_midi_in(CantusPlayer *player, const uint8_t *message, uint32_t size);

/* Note-offs for everything sounding, generation goes on. */
void player_release_all(CantusPlayer *player);

/* The panic control: player_release_all, and the held input notes are
 * forgotten. */
void player_panic(CantusPlayer *player);

/* The steps per host beat that play: the `rate` control's, or as trained
 * (PLAYER_RATE_AS_TRAINED) the model's cantus.steps_per_beat x 4 / the
 * host's beat unit (4 until a host says otherwise; 1 step a quarter
 * without a model). It changes with the control, the host's beat unit and
 * the model that plays; each change re-finds the next step from the frame
 * it happens at, as a rate change always did. */
double player_rate(const CantusPlayer *player);

/* Renders `frames` frames from the current frame. */
void player_render(CantusPlayer *player, uint32_t frames);

#endif
