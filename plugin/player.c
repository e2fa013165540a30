/* The player; see player.h. */
#include "player.h"

#include <math.h>

#include "dynamics.h"
#include "model.h"
#include "token.h"

CantusControls player_default_controls(void)
{
    const float *none[CANTUS_PORT_COUNT] = {0};
    return player_controls_from_ports(none);
}

CantusControls player_controls_from_ports(const float *const ports[CANTUS_PORT_COUNT])
{
#define VALUE(port) cantus_control_value(port, ports[port])
#define INT(port)   ((int)VALUE(port))
#define BOOL(port)  (VALUE(port) > 0.5f)
    return (CantusControls){
        .temperature = VALUE(CANTUS_TEMPERATURE),
        .seed = (uint32_t)VALUE(CANTUS_SEED),
        .gate = VALUE(CANTUS_GATE),
        .velocity = INT(CANTUS_VELOCITY),
        .channel = INT(CANTUS_CHANNEL),
        .rate = INT(CANTUS_RATE),
        .note_low = INT(CANTUS_NOTE_LOW),
        .note_high = INT(CANTUS_NOTE_HIGH),
        .key = INT(CANTUS_KEY),
        .scale = INT(CANTUS_SCALE),
        .rests = BOOL(CANTUS_RESTS),
        .phrase_bars = INT(CANTUS_PHRASE_BARS),
        .fallback_bpm = VALUE(CANTUS_FALLBACK_BPM),
        .follow = BOOL(CANTUS_FOLLOW),
        .enabled = BOOL(CANTUS_ENABLE),
        .transpose = INT(CANTUS_TRANSPOSE),
        .accent = VALUE(CANTUS_ACCENT),
        .humanize = VALUE(CANTUS_HUMANIZE),
        .swing = VALUE(CANTUS_SWING),
        .harmony = INT(CANTUS_HARMONY),
    };
#undef VALUE
#undef INT
#undef BOOL
}

/* The rate the controls, the host's beat unit and the model ask for. */
static double wanted_rate(const CantusPlayer *player)
{
    if (player->controls.rate != PLAYER_RATE_AS_TRAINED) return player->controls.rate;
    const int steps_per_quarter = player->engine ? player->engine->info->steps_per_beat : 1;
    return steps_per_quarter * 4.0 / player->transport.beat_unit;
}

double player_rate(const CantusPlayer *player)
{
    return player->rate;
}

/* How the steps lie in the bar: rate, the host's meter, swing. A swing
 * change (or a meter change) applies from the next step not yet played:
 * next_step is kept, only its frame moves, so no step is struck twice, and
 * one the change puts behind `now` is due at once (player_render). */
static CantusGrid step_grid(const CantusPlayer *player)
{
    return (CantusGrid){
        .rate = player->rate,
        .beats_per_bar = player->transport.beats_per_bar,
        .swing = player->controls.swing / 100.0,
    };
}

static int64_t step_frame(const CantusPlayer *player, int64_t step)
{
    const CantusGrid grid = step_grid(player);
    return cantus_grid_swung_step_frame(&player->clock, &grid, step);
}

/* The first step whose frame is at or after `frame`, by step_frame's rule. */
static int64_t first_step_from(const CantusPlayer *player, int64_t frame)
{
    const CantusGrid grid = step_grid(player);
    return cantus_grid_swung_first_step_from(&player->clock, &grid, frame);
}

static bool playing(const CantusPlayer *player)
{
    return player->rolling && player->controls.enabled && player->engine;
}

static CantusMaskSpec mask_spec(const CantusControls *controls)
{
    return (CantusMaskSpec){
        .note_low = controls->note_low,
        .note_high = controls->note_high,
        .key = controls->key,
        .scale = (CantusScale)controls->scale,
        .rests = controls->rests,
        .transpose = controls->transpose,
    };
}

/* The notes held on the input are forgotten, and the harmony with them. */
static void forget_held(CantusPlayer *player)
{
    held_notes_clear(&player->held);
    player->held_classes = 0;
    generator_set_harmony(&player->gen, player->controls.harmony, 0);
}

void player_release_all(CantusPlayer *player)
{
    note_table_release_all(&player->notes, &player->sink, player->now);
    player->tied_valid = false;
}

/* Playback (re)starts here: a start, a relocation, a loop wrap, a rate
 * change, enable. Nothing sounding survives it and the next step is the
 * first at or after this frame. */
static void resync(CantusPlayer *player)
{
    player_release_all(player);
    player->next_step = first_step_from(player, player->now);
    generator_restart(&player->gen, player->next_step);
}

/* False when the list is full: the caller must dispose of the engine
 * (freeing here would break real time). */
static bool retire(CantusPlayer *player, CantusEngine *engine)
{
    if (!engine) return true;
    if (player->retired_count == PLAYER_RETIRED_SIZE) return false;
    player->retired[player->retired_count++] = engine;
    return true;
}

/* Whether the live engine could be retired now: with the list full (the
 * host's worker queue full for a while) a pending engine waits for the
 * next step rather than leak the one it replaces. */
static bool can_swap(const CantusPlayer *player)
{
    return !player->engine || player->retired_count < PLAYER_RETIRED_SIZE;
}

static void update_grid(CantusPlayer *player)
{
    generator_set_grid(&player->gen, player->rate, player->transport.beats_per_bar,
                       player->controls.phrase_bars, player->next_step);
}

/* Takes the rate wanted now; when it differs, step indices count other
 * steps: the next one is found again from the current frame (whose own
 * step, if it has one at this rate, is due at once). True on a change. */
static bool follow_rate(CantusPlayer *player)
{
    const double rate = wanted_rate(player);
    if (rate == player->rate) return false;
    player->rate = rate;
    player->next_step = first_step_from(player, player->now);
    update_grid(player);
    return true;
}

/* A model of other steps (as trained) changes the rate with it. */
static void go_live(CantusPlayer *player, CantusEngine *engine)
{
    player_release_all(player);
    retire(player, player->engine);
    player->engine = engine;
    follow_rate(player);
    const CantusMaskSpec spec = mask_spec(&player->controls);
    generator_set_engine(&player->gen, engine, player->next_step);
    generator_set_mask(&player->gen, &spec);
    player->swapped = true;
}

void player_init(CantusPlayer *player, double sample_rate, CantusMidiSink sink)
{
    *player = (CantusPlayer){.sample_rate = sample_rate, .sink = sink};
    player->controls = player_default_controls();
    player->rate = 1.0;
    note_table_init(&player->notes);
    generator_init(&player->gen);
    player_reset(player);
}

void player_reset(CantusPlayer *player)
{
    /* Notes still sounding (a host that ran us before activate(), or
     * activated twice) end first, through the sink: the plugin's keeps
     * their note-offs for the next cycle. Forgetting them left the notes a
     * run() before activate() struck hanging for good (regression tests:
     * test_reset_ends_sounding_notes in tests/plugin/test_player_hostile.c,
     * run_before_activate_leaves_no_hanging_note in
     * tests/hostile/test_hostile_lifecycle.c). */
    player_release_all(player);
    player->now = 0;
    player->steps_left = PLAYER_MAX_STEPS_PER_CYCLE;
    /* A host that deactivates may have dropped the note-offs of what was
     * held; a fresh start holds nothing. */
    forget_held(player);
    note_table_init(&player->notes);
    player->tied_valid = false;
    transport_init(&player->transport);
    player->clock = (CantusBeatClock){
        .anchor_beat = 0.0,
        .anchor_frame = 0,
        .beats_per_frame =
            cantus_grid_beats_per_frame(player->controls.fallback_bpm, 1.0, player->sample_rate),
    };
    player->rolling = player->clock.beats_per_frame > 0.0;
    follow_rate(player); /* the beat unit is a quarter again */
    resync(player);
}

CantusEngine *player_replace_engine(CantusPlayer *player, CantusEngine *engine)
{
    CantusEngine *old = player->engine;
    player_release_all(player);
    player->engine = NULL;
    go_live(player, engine);
    /* go_live retired nothing (engine was NULL); the caller frees `old`. */
    return old;
}

CantusEngine *player_offer_engine(CantusPlayer *player, CantusEngine *engine)
{
    CantusEngine *replaced = player->pending;
    player->pending = engine;
    return retire(player, replaced) ? NULL : replaced;
}

bool player_offer_retired(CantusPlayer *player, CantusEngine *engine)
{
    return retire(player, engine);
}

CantusEngine *player_take_retired(CantusPlayer *player)
{
    if (player->retired_count == 0) return NULL;
    CantusEngine *engine = player->retired[0];
    for (int i = 1; i < player->retired_count; i++)
        player->retired[i - 1] = player->retired[i];
    player->retired_count--;
    return engine;
}

/* The tempo line from here on, from what the host said (or did not say). */
static double current_beats_per_frame(const CantusPlayer *player)
{
    return cantus_grid_beats_per_frame(
        transport_tempo(&player->transport, player->controls.fallback_bpm), 1.0,
        player->sample_rate);
}

void player_set_controls(CantusPlayer *player, const CantusControls *controls)
{
    CantusControls *old = &player->controls;
    const CantusControls next = *controls;

    if (next.channel != old->channel || (old->enabled && !next.enabled)) player_release_all(player);

    const bool enabled_now = next.enabled && !old->enabled;
    const bool mask_changed = next.note_low != old->note_low || next.note_high != old->note_high ||
                              next.key != old->key || next.scale != old->scale ||
                              next.rests != old->rests || next.transpose != old->transpose;
    const bool tempo_changed = next.fallback_bpm != old->fallback_bpm;
    *old = next;

    player->gen.temperature = next.temperature;
    if (mask_changed) {
        const CantusMaskSpec spec = mask_spec(&next);
        generator_set_mask(&player->gen, &spec);
    }
    generator_set_harmony(&player->gen, next.harmony, player->held_classes);
    /* The line changes only where the fallback tempo is the one in use. */
    if (tempo_changed && current_beats_per_frame(player) != player->clock.beats_per_frame) {
        cantus_grid_reanchor(&player->clock, player->now, current_beats_per_frame(player));
        player->rolling = player->clock.beats_per_frame > 0.0;
    }
    /* Step indices count in steps of the rate: a new rate finds ours again,
     * and the line starts afresh from there. */
    const bool rate_changed = follow_rate(player);
    if (rate_changed || enabled_now) {
        player->next_step = first_step_from(player, player->now);
        update_grid(player);
        resync(player);
    } else {
        update_grid(player);
    }
    generator_set_seed(&player->gen, next.seed, player->next_step);
}

void player_position(CantusPlayer *player, const CantusPositionFields *fields)
{
    const bool was_rolling = player->rolling;
    const bool was_free = !player->transport.host_seen;
    const double predicted = cantus_grid_beat_at(&player->clock, player->now);
    bool moved = false;
    const double beat = transport_apply(&player->transport, fields, predicted, player->sample_rate,
                                        player->controls.fallback_bpm, &moved);
    player->clock = (CantusBeatClock){
        .anchor_beat = beat,
        .anchor_frame = player->now,
        .beats_per_frame = current_beats_per_frame(player),
    };
    player->rolling = player->clock.beats_per_frame > 0.0;
    /* A new beat unit moves a model played as trained to other steps. */
    const bool rate_changed = follow_rate(player);

    if (!player->rolling) {
        if (was_rolling) player_release_all(player);
        return;
    }
    const bool jumped = moved && fabs(beat - predicted) > PLAYER_RELOCATE_BEATS;
    if (!was_rolling || was_free || jumped || rate_changed) {
        resync(player);
        update_grid(player);
        return;
    }
    update_grid(player);
}

void player_midi_in(CantusPlayer *player, const uint8_t *message, uint32_t size)
{
    if (held_notes_apply(&player->held, message, size)) {
        player->held_classes = held_notes_pitch_classes(&player->held);
        generator_set_harmony(&player->gen, player->controls.harmony, player->held_classes);
    }
    if (!player->controls.follow || size < 3) return;
    /* The note played is a sounding pitch: the model's own is transpose
     * below it (and cantus_pitch_token folds it into the model's range). */
    if ((message[0] & 0xF0) == 0x90 && message[2] > 0)
        generator_follow(&player->gen, (message[1] & 0x7F) - player->controls.transpose);
}

void player_panic(CantusPlayer *player)
{
    player_release_all(player);
    /* A key whose note-off was lost would pin the harmony for ever. */
    forget_held(player);
}

void player_work_ahead(CantusPlayer *player, uint32_t cycle_frames)
{
    player->steps_left = PLAYER_MAX_STEPS_PER_CYCLE;
    /* Nothing plays, or the model is none: swap at once, no boundary comes. */
    if (player->pending && !playing(player) && can_swap(player)) {
        CantusEngine *engine = player->pending;
        player->pending = NULL;
        go_live(player, engine);
    }
    if (!playing(player)) return;
    /* The cycle that crosses a step only emits, unless the generator is
     * catching up (a start mid-phrase): at fast rates every cycle crosses a
     * step and the catch-up, starved, would keep the steps silent. */
    const bool catching_up = player->gen.next_step < player->gen.target_step;
    if (!catching_up && step_frame(player, player->next_step) < player->now + (int64_t)cycle_frames)
        return;
    generator_work(&player->gen, (int)(cycle_frames / 64));
}

/* Where a note ends whose last step (its own or its last HOLD) is `step`,
 * starting at `frame`: the vocabulary's rule (core/token.h). */
static int64_t gate_end(const CantusPlayer *player, int64_t step, int64_t frame)
{
    const int64_t next = step_frame(player, step + 1);
    if (next == INT64_MAX) return INT64_MAX;
    return cantus_note_end(frame, next, player->controls.gate);
}

/* The gate of the last note ends: if the next step is a HOLD it is tied
 * over instead (held until that step sets its own gate), so a note with h
 * HOLDs ends where token.h says. */
static void tie_if_held(CantusPlayer *player)
{
    const CantusEngine *engine = player->engine;
    if (!player->tied_valid || !engine || engine->info->hold_token < 0 || !player->controls.rests)
        return;
    const int64_t off =
        note_table_off_frame(&player->notes, player->tied_channel, player->tied_pitch);
    if (off < 0 || off > player->now) return;
    int token;
    if (generator_peek(&player->gen, player->next_step, &token) &&
        cantus_token_kind(engine->info, token) == CANTUS_TOKEN_HOLD)
        note_table_extend(&player->notes, player->tied_channel, player->tied_pitch, INT64_MAX);
}

/* The controls' velocity shaped by accent and humanize (dynamics.h). */
static int step_velocity(const CantusPlayer *player, int64_t step)
{
    const CantusControls *c = &player->controls;
    const CantusDynamics dynamics = {c->velocity, c->accent, c->humanize, c->seed};
    const CantusGrid grid = step_grid(player);
    /* The place in the bar costs a few divisions; only accent needs it. */
    const CantusStepPlace place =
        c->accent > 0.0f ? cantus_grid_step_place(&grid, step) : CANTUS_PLACE_DOWNBEAT;
    return dynamics_velocity(&dynamics, place, step);
}

static void play_step(CantusPlayer *player, int64_t frame)
{
    if (player->pending && can_swap(player)) {
        CantusEngine *engine = player->pending;
        player->pending = NULL;
        go_live(player, engine);
        /* A model of other steps: this frame may fall between its steps. */
        if (step_frame(player, player->next_step) > frame) return;
    }
    const int64_t step = player->next_step++;
    const int token = generator_take(&player->gen, step);
    const CantusModelInfo *info = player->engine->info;
    const uint8_t channel = (uint8_t)((player->controls.channel - 1) & 0x0F);

    if (cantus_token_kind(info, token) == CANTUS_TOKEN_HOLD && player->tied_valid &&
        note_table_is_sounding(&player->notes, player->tied_channel, player->tied_pitch)) {
        note_table_extend(&player->notes, player->tied_channel, player->tied_pitch,
                          gate_end(player, step, frame));
        return;
    }
    /* A note tied over for a HOLD that is not coming (the sequence was
     * restarted meanwhile) ends here. */
    if (player->tied_valid &&
        note_table_off_frame(&player->notes, player->tied_channel, player->tied_pitch) == INT64_MAX)
        note_table_extend(&player->notes, player->tied_channel, player->tied_pitch, frame);
    note_table_release_due(&player->notes, &player->sink, frame);
    player->tied_valid = false;

    /* The register: the pitch the token sounds at (transpose, range). */
    const int pitch = token >= 0 && token < info->vocab ? player->engine->pitch_of[token] : -1;
    if (pitch < 0 || pitch > 127) return;
    const int velocity = step_velocity(player, step);
    if (!note_table_note_on(&player->notes, &player->sink, frame, channel, (uint8_t)pitch,
                            (uint8_t)velocity, gate_end(player, step, frame)))
        return;
    player->tied_valid = true;
    player->tied_channel = channel;
    player->tied_pitch = (uint8_t)pitch;
}

/* The cycle's step budget is spent: the steps before `end` are skipped as
 * a relocation would skip them. */
static void skip_steps(CantusPlayer *player, int64_t end)
{
    player_release_all(player);
    player->next_step = first_step_from(player, end);
    generator_restart(&player->gen, player->next_step);
}

void player_render(CantusPlayer *player, uint32_t frames)
{
    const int64_t end = player->now + (int64_t)frames;
    for (;;) {
        int64_t step_at = INT64_MAX;
        if (playing(player)) {
            step_at = step_frame(player, player->next_step);
            /* A host position a hair ahead of our clock: the step is due. */
            if (step_at < player->now) step_at = player->now;
        }
        const int64_t off_at = note_table_next_off(&player->notes);
        const int64_t at = off_at < step_at ? off_at : step_at;
        if (at >= end) break;
        player->now = at;
        if (off_at == at) {
            tie_if_held(player);
            note_table_release_due(&player->notes, &player->sink, at);
        }
        if (step_at == at) {
            if (player->steps_left > 0) {
                player->steps_left--;
                play_step(player, at);
            } else {
                /* Everything before `end` is released or skipped. */
                skip_steps(player, end);
                break;
            }
        }
    }
    player->now = end;
}
