/* cantus-soak: the real plugin, loaded from the built bundle by the
 * project's lilv host, played for N cycles of random transport: tempo
 * changes, relocations, loop wraps, stops and starts, seed, temperature and
 * gate automation, channel changes and model swaps, at random cycle sizes,
 * with the host sending time:Position on every change (Ardour, jalv) or at
 * every cycle (Carla). After every cycle it checks, against a transport
 * model of its own:
 *   - every note-on is on its analytic frame (the first frame at or after
 *     the instant of its step, from the position the host declared), and
 *     every step frame while rolling has exactly one note-on (rests off).
 *     After a jump (start, relocation, loop wrap) the steps are counted
 *     afresh from the first at or after the jump's frame; after a tempo or
 *     meter change they go on from the last step played, a step the new
 *     tempo puts before the change sounding on the change's frame;
 *   - every note-off comes within its gate (gate % of the step at the tempo
 *     the note started in, plus one frame of rounding) or earlier;
 *   - no pitch is struck while it sounds on its channel, no note-off of a
 *     silent pitch, every MIDI message valid (tests/common/midi_ledger.h);
 * and at the end, after a disabled cycle, that no note is left sounding.
 *
 *   cantus-soak --cycles N --seed S [--bundle DIR] [--models DIR] [--phrase] [--quiet]
 *
 * --models DIR (the fuzz model corpus) turns on model swaps: its three
 * small models and the presets shipped in --bundle.
 *
 * --phrase also automates phrase_bars (0..4) while the transport jumps.
 *
 * --swing starts with a swing chosen by the seed and automates swing,
 * accent and humanize; the expected frames then follow the swung grid (the
 * second step of each pair in a bar 2 * swing - 1 steps late, a swing
 * change applying from the next step not yet played, as a tempo change
 * does), note-offs are held to each step's own length, and velocities to
 * the accent level of the step's place (exactly, without humanize) or to
 * the humanize span around it.
 *
 * Prints the cycles run, notes, and violations (the first few in full);
 * exits 1 when there was any violation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cantus_host.h"
#include "cli.h"
#include "midi_ledger.h"
#include "rng.h"

#define MAX_MODELS 8

#define MODEL_URI    "urn:cantus:model"
#define SAMPLE_RATE  48000.0
#define MAX_EXPECTED 4096
#define PRINT_LIMIT  10

typedef struct {
    /* The host's transport, exactly as declared to the plugin. */
    bool rolling;
    double bpm;
    double anchor_beat; /* beat at anchor_frame, as sent (a double) */
    int64_t anchor_frame;
    double beats_per_bar;
    double prev_bpm;   /* the tempo before the last change ... */
    int64_t bpm_since; /* ... which took effect at this frame */
} Transport;

typedef struct {
    CantusHost *host;
    CantusRng rng;
    Transport tr;
    MidiLedger ledger;
    int rate;
    float gate;
    bool every_cycle; /* Carla: a position at the start of every cycle */
    /* Step frames expected from here on, ascending; [head, count). */
    int64_t expected[MAX_EXPECTED];
    int64_t expected_step[MAX_EXPECTED];  /* the step index of each */
    double expected_length[MAX_EXPECTED]; /* its own length, in steps (swing) */
    int expected_place[MAX_EXPECTED];     /* 0 downbeat, 1 beat, 2 between */
    int head, count;
    int64_t next_step;          /* the next step index not yet queued */
    int64_t queued_until;       /* frames before this are queued */
    int64_t segment_start;      /* the frame of the last change */
    int64_t off_limit[16][128]; /* latest allowed note-off frame */
    long cycles, note_ons, violations, step_misses, swaps;
    const char *models[MAX_MODELS];
    int n_models;
    bool phrase;   /* automate phrase_bars too */
    bool dynamics; /* --swing: swing, accent and humanize */
    float swing, accent, humanize;
    long velocity_checks;
} Soak;

static bool trace; /* CANTUS_SOAK_TRACE=1: print every change and note */

static void violation(Soak *s, const char *fmt, long long a, long long b)
{
    s->violations++;
    if (s->violations <= PRINT_LIMIT) {
        fprintf(stderr, "violation %ld (cycle %ld): ", s->violations, s->cycles);
        fprintf(stderr, fmt, a, b);
        fputc('\n', stderr);
    }
}

static double frames_per_beat(const Soak *s)
{
    return SAMPLE_RATE * 60.0 / s->tr.bpm;
}

/* The step length a note started at `frame` was given. */
static double step_frames_at(const Soak *s, int64_t frame)
{
    double bpm = frame < s->tr.bpm_since ? s->tr.prev_bpm : s->tr.bpm;
    return SAMPLE_RATE * 60.0 / bpm / s->rate;
}

static double beat_at(const Soak *s, int64_t frame)
{
    if (!s->tr.rolling) return s->tr.anchor_beat;
    return s->tr.anchor_beat + (double)(frame - s->tr.anchor_frame) / frames_per_beat(s);
}

/* The step's index in its bar (the soak's meters are whole beats, so a
 * bar is beats_per_bar x rate steps from beat 0). */
static int64_t index_in_bar(const Soak *s, int64_t k)
{
    const int64_t per_bar = (int64_t)s->tr.beats_per_bar * s->rate;
    return ((k % per_bar) + per_bar) % per_bar;
}

/* Swing's delay of step k, in steps: the second of each pair in its bar
 * starts at `swing` % of the pair (docs/plugin.md). */
static long double swing_delay(const Soak *s, int64_t k)
{
    if (!s->dynamics || s->swing == 50.0f) return 0.0L;
    return index_in_bar(s, k) % 2 == 1 ? 2.0L * (long double)s->swing / 100.0L - 1.0L : 0.0L;
}

/* The frame of step k in the current segment: the first whole frame at or
 * after its instant, with the plugin's tolerance of 1e-3 frame for an
 * instant that is a whole frame in exact arithmetic. */
static int64_t step_frame(const Soak *s, int64_t k)
{
    long double t =
        (((long double)k + swing_delay(s, k)) / s->rate - (long double)s->tr.anchor_beat) *
        SAMPLE_RATE * 60.0L / (long double)s->tr.bpm;
    return s->tr.anchor_frame + (int64_t)ceill(t - 1e-3L);
}

/* A new segment starts at `frame`: forget the steps queued after it and
 * queue from the first step at or after it. A continuous change (tempo or
 * meter, the beat going on where it was) keeps the step count instead, as
 * the plugin does (docs/plugin.md): a step already played just before the
 * change, whose instant the new line rounds onto the change's own frame, is
 * not due a second time. */
static void resegment(Soak *s, int64_t frame, bool continuous)
{
    while (s->count > s->head && s->expected[s->count - 1] >= frame)
        s->count--;
    if (!s->tr.rolling) {
        s->queued_until = INT64_MAX;
        return;
    }
    s->segment_start = frame;
    if (continuous) {
        s->queued_until = frame;
        return;
    }
    int64_t k = (int64_t)floor(beat_at(s, frame) * s->rate) - 1;
    while (step_frame(s, k) < frame)
        k++;
    s->next_step = k;
    s->queued_until = frame;
}

static void queue_until(Soak *s, int64_t end)
{
    if (!s->tr.rolling) return;
    if (s->head > MAX_EXPECTED / 2) {
        const size_t n = (size_t)(s->count - s->head);
        memmove(s->expected, s->expected + s->head, n * sizeof s->expected[0]);
        memmove(s->expected_step, s->expected_step + s->head, n * sizeof s->expected_step[0]);
        memmove(s->expected_length, s->expected_length + s->head, n * sizeof s->expected_length[0]);
        memmove(s->expected_place, s->expected_place + s->head, n * sizeof s->expected_place[0]);
        s->count -= s->head;
        s->head = 0;
    }
    while (s->count < MAX_EXPECTED) {
        /* A kept step the new line puts before the change is due at once. */
        int64_t f = step_frame(s, s->next_step);
        if (f < s->segment_start) f = s->segment_start;
        if (f >= end) break;
        const int64_t k = s->next_step;
        const int64_t i = index_in_bar(s, k);
        s->expected_step[s->count] = k;
        s->expected_length[s->count] = (double)(1.0L + swing_delay(s, k + 1) - swing_delay(s, k));
        s->expected_place[s->count] = i == 0 ? 0 : i % s->rate == 0 ? 1 : 2;
        s->expected[s->count++] = f;
        s->next_step++;
    }
    s->queued_until = end;
}

static void send_position(Soak *s, uint32_t offset, int64_t frame)
{
    double beat = beat_at(s, frame);
    CantusPosition pos = {0};
    pos.fields = CANTUS_POS_ALL;
    pos.speed = s->tr.rolling ? 1.0 : 0.0;
    pos.bpm = s->tr.bpm;
    pos.beats_per_bar = s->tr.beats_per_bar;
    pos.bar = (int64_t)floor(beat / s->tr.beats_per_bar);
    pos.bar_beat = beat - (double)pos.bar * s->tr.beats_per_bar;
    pos.frame = frame;
    pos.beat_unit = 4;
    pos.style = CANTUS_NUMBERS_DOUBLE;
    cantus_host_add_position(s->host, offset, &pos);
    if (trace)
        fprintf(stderr, "  pos @%lld rolling %d bpm %.2f bar %lld barBeat %.6f bpb %.0f\n",
                (long long)frame, s->tr.rolling, pos.bpm, (long long)pos.bar, pos.bar_beat,
                pos.beats_per_bar);
    /* The model follows what was sent, to the bit. */
    s->tr.anchor_beat = (double)pos.bar * s->tr.beats_per_bar + pos.bar_beat;
    s->tr.anchor_frame = frame;
}

static double uniform(Soak *s)
{
    return cantus_rng_uniform(&s->rng);
}

/* Maybe changes the transport at a random offset inside the next cycle. */
static void script(Soak *s, int64_t start, uint32_t nframes)
{
    if (s->every_cycle) send_position(s, 0, start);
    double u = uniform(s);
    if (u > 0.06 || nframes < 2) return;
    uint32_t offset = (uint32_t)(uniform(s) * nframes);
    int64_t frame = start + offset;
    queue_until(s, frame);
    /* The beat at the change, under the old tempo. */
    double beat = beat_at(s, frame);
    s->tr.anchor_beat = beat;
    s->tr.anchor_frame = frame;
    double what = uniform(s);
    if (what < 0.35) {
        s->tr.prev_bpm = s->tr.bpm;
        s->tr.bpm_since = frame;
        s->tr.bpm = round((40.0 + uniform(s) * 200.0) * 100.0) / 100.0;
    } else if (what < 0.55) {
        s->tr.anchor_beat = floor(uniform(s) * 2000.0 * 4.0) / 4.0 + (uniform(s) < 0.3 ? 0.37 : 0);
    } else if (what < 0.7) {
        /* A loop wrap: back to a bar line 1 to 4 bars earlier. */
        double bars = 1 + floor(uniform(s) * 4);
        double target =
            floor(beat / s->tr.beats_per_bar) * s->tr.beats_per_bar - bars * s->tr.beats_per_bar;
        s->tr.anchor_beat = target > 0 ? target : 0;
    }
    /* The plugin's contract (plugin/player.h): a position within 1/16 beat of
     * where it already is, is jitter, not a jump. A jump the script makes is
     * kept clear of that window, so the grid it expects is unambiguous. */
    if (what >= 0.35 && what < 0.7 && fabs(s->tr.anchor_beat - beat) < 0.125)
        s->tr.anchor_beat = beat + s->tr.beats_per_bar + 0.5;
    const bool was_rolling = s->tr.rolling;
    if (what < 0.7) {
    } else if (what < 0.85) {
        s->tr.rolling = !s->tr.rolling;
    } else {
        s->tr.beats_per_bar = (double)(2 + (int)(uniform(s) * 6));
    }
    const bool moved = what >= 0.35 && what < 0.7;
    send_position(s, offset, frame);
    resegment(s, frame, was_rolling && !moved);
}

/* Swing, accent or humanize, read by the plugin at the start of the cycle
 * (`start`). A swing change is continuous, like a tempo change: the steps
 * already queued stay, the rest follow the new swing from the next step not
 * yet played, and one it puts before `start` is due at `start`. */
static void automate_dynamics(Soak *s, int64_t start)
{
    const double what = uniform(s);
    /* Whole percents half the time: swung instants on whole frames. */
    const double amount = uniform(s) < 0.5 ? floor(uniform(s) * 101.0) : uniform(s) * 100.0;
    if (what < 0.5) {
        queue_until(s, start); /* under the old swing */
        s->swing = (float)(50.0 + amount / 4.0);
        cantus_host_set_control(s->host, "swing", s->swing);
        resegment(s, start, true);
    } else if (what < 0.75) {
        s->accent = (float)amount;
        cantus_host_set_control(s->host, "accent", s->accent);
    } else {
        s->humanize = (float)amount;
        cantus_host_set_control(s->host, "humanize", s->humanize);
    }
    if (trace)
        fprintf(stderr, "  swing %.4f accent %.4f humanize %.4f\n", s->swing, s->accent,
                s->humanize);
}

/* The velocity of a note-on against the accent level of its step's place
 * (the plugin's default velocity 100): exact without humanize, else within
 * the humanize span around it, a unit of rounding either way. */
static void check_velocity(Soak *s, int place, int velocity, int64_t frame)
{
    const double cuts[3] = {0.0, 0.25, 0.5};
    const double level = 100.0 * (1.0 - (double)s->accent / 100.0 * cuts[place]);
    const double span = (double)s->humanize / 100.0 * 0.25;
    long low = lround(level * (1.0 - span)), high = lround(level * (1.0 + span));
    if (span > 0.0) {
        low--;
        high++;
    }
    low = low < 1 ? 1 : low;
    high = high > 127 ? 127 : high;
    s->velocity_checks++;
    if (velocity < low || velocity > high)
        violation(s, "velocity %lld at frame %lld is outside its accent and humanize range",
                  (long long)velocity, (long long)frame);
}

static void automate(Soak *s, int64_t start)
{
    double u = uniform(s);
    if (trace && u < 0.032) fprintf(stderr, "  automation %.4f\n", u);
    if (u < 0.01)
        cantus_host_set_control(s->host, "seed", (float)(int)(uniform(s) * 1000));
    else if (u < 0.02)
        cantus_host_set_control(s->host, "temperature", (float)(0.05 + uniform(s) * 3.0));
    else if (u < 0.025) {
        /* Phrase automation only with --phrase, the run that found steps left
         * silent after a jump inside a phrase (docs/robustness.md). */
        float bars = (float)(int)(uniform(s) * 5);
        if (s->phrase) cantus_host_set_control(s->host, "phrase_bars", bars);
    } else if (u < 0.03 && s->n_models)
        cantus_host_add_patch_set_path(s->host, 0, MODEL_URI,
                                       s->models[(int)(uniform(s) * s->n_models)]);
    else if (u < 0.032)
        cantus_host_set_control(s->host, "channel", (float)(1 + (int)(uniform(s) * 16)));
    else if (u < 0.042 && s->dynamics)
        automate_dynamics(s, start);
}

static void check_cycle(Soak *s, int64_t start, uint32_t nframes, uint32_t n_events)
{
    int64_t end = start + nframes;
    queue_until(s, end);
    for (uint32_t i = 0; i < n_events; i++) {
        const CantusEvent *ev = cantus_host_event(s->host, i);
        if (ev->kind == CANTUS_EVENT_PATCH_SET) {
            s->swaps++; /* the plugin announces every model it made live */
            continue;
        }
        if (ev->kind != CANTUS_EVENT_MIDI) {
            violation(s,
                      "an output event at frame %lld (offset %lld) is neither MIDI nor patch:Set",
                      (long long)ev->frame, (long long)ev->offset);
            continue;
        }
        uint8_t m[3] = {ev->midi[0], ev->midi[1], ev->midi[2]};
        if (!ledger_message(&s->ledger, ev->frame, m, ev->midi_size)) {
            s->violations++;
            if (s->violations <= PRINT_LIMIT)
                fprintf(stderr, "violation %ld (cycle %ld): %s\n", s->violations, s->cycles,
                        s->ledger.first_error);
            s->ledger.first_error[0] = '\0';
            continue;
        }
        int ch = m[0] & 0x0F, pitch = m[1];
        if (trace)
            fprintf(stderr, "  midi @%lld %02x %02x %02x (next step %lld)\n", (long long)ev->frame,
                    m[0], m[1], m[2], s->head < s->count ? (long long)s->expected[s->head] : -1LL);
        bool on = (m[0] & 0xF0) == 0x90 && m[2] > 0;
        if (on) {
            s->note_ons++;
            double length = 1.0;
            if (s->head < s->count && s->expected[s->head] == ev->frame) {
                length = s->expected_length[s->head];
                if (s->dynamics) check_velocity(s, s->expected_place[s->head], m[2], ev->frame);
                s->head++;
            } else {
                violation(s, "note-on at frame %lld, the next step frame is %lld",
                          (long long)ev->frame,
                          s->head < s->count ? (long long)s->expected[s->head] : -1LL);
            }
            double step = step_frames_at(s, ev->frame);
            s->off_limit[ch][pitch] = ev->frame + llround(step * length * s->gate / 100.0) + 1;
        } else if (ev->frame > s->off_limit[ch][pitch]) {
            violation(s, "note-off at frame %lld, its gate ended at %lld", (long long)ev->frame,
                      (long long)s->off_limit[ch][pitch]);
        }
    }
    /* Every step frame inside this cycle has had its note. */
    while (s->head < s->count && s->expected[s->head] < end) {
        s->step_misses++;
        violation(s, "no note-on at step frame %lld (cycle ends at %lld)",
                  (long long)s->expected[s->head], (long long)end);
        s->head++;
    }
}

/* The swap pool: three small test models of different shapes (REST/HOLD,
 * two layers, saturated weights) and every preset model the bundle ships,
 * as a user would pick them from the host's preset menu. */
static void make_models(Soak *s, const char *dir, const char *bundle)
{
    static char paths[MAX_MODELS][1024];
    const char *tiny[] = {"rest_hold_v14_h4", "no_rest_v12_h3_l2", "saturated_v6_h2"};
    const char *shipped[] = {"default", "presets/folk", "presets/baroque", "presets/jazz",
                             "presets/game"};
    for (size_t i = 0; dir && i < sizeof tiny / sizeof *tiny; i++) {
        snprintf(paths[s->n_models], sizeof paths[0], "%s/%s.safetensors", dir, tiny[i]);
        s->models[s->n_models] = paths[s->n_models];
        s->n_models++;
    }
    for (size_t i = 0; bundle && i < sizeof shipped / sizeof *shipped; i++) {
        snprintf(paths[s->n_models], sizeof paths[0], "%s/%s.safetensors", bundle, shipped[i]);
        FILE *f = fopen(paths[s->n_models], "rb");
        if (!f) continue; /* a bundle built without that preset */
        fclose(f);
        s->models[s->n_models] = paths[s->n_models];
        s->n_models++;
    }
}

typedef struct {
    long cycles, seed;
    const char *bundle, *models;
    bool quiet, phrase, dynamics;
} SoakArgs;

static const CliOption options[] = {
    {.help = "usage: cantus-soak --cycles N --seed S [--bundle DIR] [--models DIR] "
             "[--phrase] [--swing] [--quiet]\n"
             "Random transport through the real plugin; fails on the first broken rule.\n"},
    {"cycles", "N", NULL, CLI_NUMBER(SoakArgs, cycles, 1, 1L << 40)},
    {"seed", "S", NULL, CLI_NUMBER(SoakArgs, seed, 0, 4294967295L)},
    {"bundle", "DIR", NULL, CLI_TEXT(SoakArgs, bundle)},
    {"models", "DIR", NULL, CLI_TEXT(SoakArgs, models)},
    {"quiet", NULL, NULL, CLI_FLAG(SoakArgs, quiet)},
    {"phrase", NULL, NULL, CLI_FLAG(SoakArgs, phrase)},
    {"swing", NULL, NULL, CLI_FLAG(SoakArgs, dynamics)},
    {0},
};

int main(int argc, char **argv)
{
    SoakArgs args = {.cycles = 20000, .seed = 1};
    cli_set_program("cantus-soak");
    int status;
    if (!cli_read_command_line(argc, argv, options, &args, &status)) return status;
    const long cycles = args.cycles;
    const unsigned long seed = (unsigned long)args.seed;
    const char *bundle = args.bundle, *models = args.models;
    const bool quiet = args.quiet, phrase = args.phrase, dynamics = args.dynamics;
    /* CANTUS_SOAK_TRACE=K: trace from cycle K on (0: from the start). */
    const char *trace_env = getenv("CANTUS_SOAK_TRACE");
    long trace_from = trace_env ? atol(trace_env) : -1;
    static Soak soak;
    Soak *s = &soak;
    cantus_rng_seed(&s->rng, seed, 6);
    s->phrase = phrase;
    s->dynamics = dynamics;
    s->swing = 50.0f;
    ledger_init(&s->ledger);
    if (models) make_models(s, models, bundle);
    CantusHostConfig config = {0};
    config.bundle_dir = bundle;
    config.sample_rate = SAMPLE_RATE;
    config.block_length = 8192;
    config.worker = CANTUS_HOST_WORKER_DEFERRED;
    char err[512];
    s->host = cantus_host_new(&config, err, sizeof err);
    if (!s->host) {
        fprintf(stderr, "cantus-soak: %s\n", err);
        return 1;
    }
    s->rate = 1 + (int)(seed % 4);
    s->gate = 10.0f + (float)(seed % 9) * 11.0f;
    s->every_cycle = (seed / 4) % 2;
    cantus_host_set_control(s->host, "rests", 0.0f);
    cantus_host_set_control(s->host, "rate", (float)s->rate);
    cantus_host_set_control(s->host, "gate", s->gate);
    if (dynamics) {
        s->swing = 50.0f + (float)(seed % 6) * 5.0f;
        cantus_host_set_control(s->host, "swing", s->swing);
    }
    cantus_host_activate(s->host);

    s->tr = (Transport){true, 120.0, 0.0, 0, 4.0, 120.0, 0};
    int64_t frame = 0;
    send_position(s, 0, 0);
    resegment(s, 0, false);
    static const uint32_t sizes[] = {1, 17, 64, 128, 256, 333, 512, 1024, 2048, 8192};
    for (long c = 0; c < cycles; c++) {
        trace = trace_from >= 0 && c >= trace_from;
        uint32_t nframes = sizes[(int)(uniform(s) * 10)];
        automate(s, frame);
        script(s, frame, nframes);
        uint32_t n = cantus_host_run(s->host, nframes);
        check_cycle(s, frame, nframes, n);
        frame += nframes;
        s->cycles++;
        if (!quiet && s->cycles % 1000000 == 0)
            fprintf(stderr, "%ld cycles, %ld notes, %ld violations\n", s->cycles, s->note_ons,
                    s->violations);
    }
    cantus_host_set_control(s->host, "enable", 0.0f);
    uint32_t n = cantus_host_run(s->host, 64);
    s->tr.rolling = false;
    s->count = s->head;
    check_cycle(s, frame, 64, n);
    int hanging = ledger_sounding(&s->ledger);
    if (hanging) {
        s->violations++;
        fprintf(stderr, "%d note(s) still sounding after a disabled cycle\n", hanging);
    }
    printf(
        "cantus-soak: seed %lu, rate %d, gate %.0f%%, positions %s%s%s: %ld cycles, %lld frames, "
        "%ld notes, %ld models announced, %ld velocities checked, %ld violations\n",
        seed, s->rate, s->gate, s->every_cycle ? "every cycle" : "on change",
        phrase ? ", phrase automation" : "", dynamics ? ", swing/accent/humanize" : "", s->cycles,
        (long long)frame, s->note_ons, s->swaps, s->velocity_checks, s->violations);
    cantus_host_free(s->host);
    return s->violations ? 1 : 0;
}
