/* cantus-train generate: N beats of a model into a MIDI file, so a person
 * can hear a model without a plugin host. The model plays through the
 * plugin's own player (trainer/play/play_model.h), so the same model,
 * controls, seed and tempo give the notes cantus-render gives; the file is
 * written by the one MIDI writer both programs share. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_args.h"
#include "commands.h"
#include "controls.h"
#include "engine.h"
#include "midi/midi_write.h"
#include "model.h"
#include "play/play_model.h"
#include "player.h"
#include "sampler.h"

typedef struct {
    const char *model, *output;
    long beats, seed, velocity, channel;
    double temperature, bpm, gate;
    int key, scale, rests, low, high;
    long transpose;
    int meter_beats, meter_unit; /* --meter N/D */
    bool set[CANTUS_PORT_COUNT]; /* --set SYMBOL=VALUE, by port */
    float set_value[CANTUS_PORT_COUNT];
} GenerateArgs;

static bool parse_key(const char *option, const char *text, void *key)
{
    long number;
    if (cli_parse_int(text, 0, 11, &number)) {
        *(int *)key = (int)number;
        return true;
    }
    static const char *const sharps[12] = {"C",  "C#", "D",  "D#", "E",  "F",
                                           "F#", "G",  "G#", "A",  "A#", "B"};
    static const char *const flats[12] = {"C",  "Db", "D",  "Eb", "E",  "F",
                                          "Gb", "G",  "Ab", "A",  "Bb", "B"};
    for (int k = 0; k < 12; k++)
        if (!strcasecmp(text, sharps[k]) || !strcasecmp(text, flats[k])) {
            *(int *)key = k;
            return true;
        }
    cli_bad_value(option, text, "wants C, C#, Db ... B, or 0..11");
    return false;
}

static bool parse_scale(const char *option, const char *text, void *scale)
{
    long number;
    if (cli_parse_int(text, 0, CANTUS_SCALE_COUNT - 1, &number)) {
        *(int *)scale = (int)number;
        return true;
    }
    if ((*(int *)scale = cantus_scale_from_name(text)) >= 0) return true;
    char want[320];
    snprintf(want, sizeof want, "wants one of %s, or its index 0..%d", cli_scale_names(),
             CANTUS_SCALE_COUNT - 1);
    cli_bad_value(option, text, want);
    return false;
}

static bool parse_rests(const char *option, const char *text, void *rests)
{
    if ((*(int *)rests = !strcmp(text, "on") ? 1 : !strcmp(text, "off") ? 0 : -1) >= 0) return true;
    cli_bad_value(option, text, "wants on or off");
    return false;
}

static bool parse_meter(const char *option, const char *text, void *args)
{
    GenerateArgs *a = args;
    return cli_meter_option(option, text, &a->meter_beats, &a->meter_unit);
}

/* --set SYMBOL=VALUE: a control port the plugin reads (not an output). */
static bool parse_set(const char *option, const char *text, void *args)
{
    GenerateArgs *a = args;
    const char *equals = strchr(text, '=');
    double value;
    if (!equals || !cli_parse_double(equals + 1, -1e9, 1e9, &value)) goto bad;
    const size_t length = (size_t)(equals - text);
    for (int port = 0; port < CANTUS_PORT_COUNT; port++) {
        const CantusControlSpec *spec = &cantus_control_specs[port];
        if (!spec->symbol || spec->output || strlen(spec->symbol) != length ||
            strncmp(spec->symbol, text, length))
            continue;
        a->set[port] = true;
        a->set_value[port] = (float)value;
        return true;
    }
bad:
    cli_bad_value(option, text, "wants SYMBOL=VALUE for a control input of the plugin");
    return false;
}

/* The --scale row's help ends with the scale names, known at run time. */
static char scale_help[512];

static const CliOption options[] = {
    {.help = "usage: cantus-train generate --model M --beats N -o OUT.mid [options]\n\n"
             "Samples N beats from the model and writes them as a MIDI file.\n\n"},
    {"model", "M", "a Cantus model (.safetensors)", CLI_TEXT(GenerateArgs, model)},
    {"beats", "N", "length in quarter notes", CLI_NUMBER(GenerateArgs, beats, 1, 1000000)},
    {"output", "F", "the MIDI file to write (replaced atomically)", CLI_TEXT(GenerateArgs, output),
     .letter = 'o'},
    {"seed", "S", "random seed (default 1)", CLI_NUMBER(GenerateArgs, seed, 0, 4294967295L)},
    {"temperature", "T", "sampling temperature; 0 = always the likeliest (default 1)",
     CLI_NUMBER(GenerateArgs, temperature, 0.0, 100.0)},
    {"bpm", "B", "quarter notes a minute, written into the file (default 120)",
     CLI_NUMBER(GenerateArgs, bpm, 1.0, 1000.0)},
    {"meter", "N/D",
     "the metre, N beats of 1/D notes a bar (default 4/4): a metre\n"
     "model hears its bar positions, the rate as trained plays\n"
     "the model's eighths as the metre's eighths (6/8: D = 8)",
     CLI_PARSED_WHOLE(parse_meter)},
    {"key", "K", "key of the scale mask: C, C#, Db ... B, or 0..11 (default C)",
     CLI_PARSED(GenerateArgs, key, parse_key)},
    {"scale", "S", scale_help, CLI_PARSED(GenerateArgs, scale, parse_scale)},
    {"low", "P", CLI_SAME_LINE, CLI_PARSED(GenerateArgs, low, cli_pitch_option)},
    {"high", "P",
     "note range (MIDI number or name; default the model's). Every\n"
     "note is carried by octaves into it, keeping its pitch class",
     CLI_PARSED(GenerateArgs, high, cli_pitch_option)},
    {"transpose", "N", "semitones added to every note before the range, -24..24",
     CLI_NUMBER(GenerateArgs, transpose, -24, 24)},
    {"rests", "on|off", "off: every step plays a new note (default on)",
     CLI_PARSED(GenerateArgs, rests, parse_rests)},
    {"gate", "G", "share of each note's length it sounds, 0.05..1 (default 0.8)",
     CLI_NUMBER(GenerateArgs, gate, 0.05, 1.0)},
    {"velocity", "V", "1..127 (default 100)", CLI_NUMBER(GenerateArgs, velocity, 1, 127)},
    {"channel", "C", "MIDI channel 1..16 (default 1)", CLI_NUMBER(GenerateArgs, channel, 1, 16)},
    {"set", "SYMBOL=V",
     "any control of the plugin by its symbol, as cantus-render's\n"
     "--set (rate=2, swing=60, accent=40, gate=85 ...); it wins over\n"
     "the option of the same meaning. fallback_bpm is the tempo",
     CLI_PARSED_WHOLE(parse_set)},
    CLI_HELP_AND_VERSION,
    {.help = "\nThe rate is the model's own (as trained) unless --set rate=N asks for N steps\n"
             "a beat of the metre.\n"},
    CLI_END(21),
};

/* True to go on; false when the command is to exit with *status. */
static bool parse_args(int argc, char **argv, GenerateArgs *a, int *status)
{
    *a = (GenerateArgs){.seed = 1,
                        .velocity = 100,
                        .channel = 1,
                        .temperature = 1.0,
                        .bpm = 120.0,
                        .gate = 0.8,
                        .key = 0,
                        .scale = CANTUS_SCALE_CHROMATIC,
                        .rests = 1,
                        .low = -1,
                        .high = -1,
                        .meter_beats = 4,
                        .meter_unit = 4};
    const int n = snprintf(scale_help, sizeof scale_help,
                           "the scale mask, by name or index 0..%d (default chromatic):\n",
                           CANTUS_SCALE_COUNT - 1);
    cli_wrap_scale_names(scale_help + n, sizeof scale_help - (size_t)n, cli_help_column(options));
    if (!cli_read_command_line(argc, argv, options, a, status)) return false;
    if (a->model && a->output && a->beats > 0) return true;
    *status = cli_usage_error("needs --model, --beats and -o");
    return false;
}

/* The player's controls: what --set names, as the plugin reads its ports
 * (clamped to their ranges); the rest from generate's own options, which
 * keep their wider ranges (a seed up to 2^32 - 1, temperature 0), and the
 * plugin's defaults. Returns 0, or 2 after a usage error. */
static int generate_controls(const GenerateArgs *a, const CantusModelInfo *info,
                             CantusControls *controls)
{
    const float *ports[CANTUS_PORT_COUNT] = {0};
    for (int port = 0; port < CANTUS_PORT_COUNT; port++)
        if (a->set[port]) ports[port] = &a->set_value[port];
    CantusControls c = player_controls_from_ports(ports);
#define OWN(port, field, value)                                                                    \
    if (!a->set[port]) c.field = (value)
    OWN(CANTUS_TEMPERATURE, temperature, (float)a->temperature);
    OWN(CANTUS_SEED, seed, (uint32_t)a->seed);
    OWN(CANTUS_GATE, gate, (float)(a->gate * 100.0));
    OWN(CANTUS_VELOCITY, velocity, (int)a->velocity);
    OWN(CANTUS_CHANNEL, channel, (int)a->channel);
    OWN(CANTUS_KEY, key, a->key);
    OWN(CANTUS_SCALE, scale, a->scale);
    OWN(CANTUS_RESTS, rests, a->rests != 0);
    OWN(CANTUS_TRANSPOSE, transpose, (int)a->transpose);
    OWN(CANTUS_FALLBACK_BPM, fallback_bpm, a->bpm);
#undef OWN

    /* An end not given is the model's, unless that would put the ends the
     * wrong way round: then it is MIDI's own (0 or 127). */
    const int low_given = a->set[CANTUS_NOTE_LOW] ? c.note_low : a->low;
    const int high_given = a->set[CANTUS_NOTE_HIGH] ? c.note_high : a->high;
    if (low_given >= 0 && high_given >= 0 && low_given > high_given) {
        fprintf(stderr, "cantus-train generate: the low note %d is above the high note %d\n",
                low_given, high_given);
        return 2;
    }
    int low = low_given >= 0 ? low_given : info->note_low;
    int high = high_given >= 0 ? high_given : info->note_high;
    if (low > high) {
        if (low_given < 0) low = 0;
        if (high_given < 0) high = 127;
    }
    c.note_low = low;
    c.note_high = high;
    *controls = c;
    return 0;
}

/* The player's frames as ticks (cantus-render's sums, play_model.h). */
static MidiWriteEvent *events_in_ticks(const PlayedMidi *played, double bpm)
{
    MidiWriteEvent *events = malloc(((size_t)played->count + 1) * sizeof *events);
    if (!events) return NULL;
    for (int i = 0; i < played->count; i++) {
        events[i].tick = midi_write_tick(play_beat_of_frame(played->events[i].frame, bpm));
        memcpy(events[i].bytes, played->events[i].bytes, 3);
    }
    return events;
}

static int count_notes(const PlayedMidi *played)
{
    int notes = 0;
    for (int i = 0; i < played->count; i++)
        notes += (played->events[i].bytes[0] & 0xF0) == 0x90 && played->events[i].bytes[2] > 0;
    return notes;
}

int cmd_generate(int argc, char **argv)
{
    GenerateArgs a;
    int status;
    if (!parse_args(argc, argv, &a, &status)) return status;

    char err[CANTUS_ERROR_SIZE];
    CantusEngine *engine = engine_load(a.model, err, sizeof err);
    if (!engine) {
        fprintf(stderr, "cantus-train generate: %s\n", err);
        return 1;
    }
    CantusControls controls;
    if (generate_controls(&a, engine->info, &controls) != 0) {
        engine_free(engine);
        return 2;
    }
    /* --set fallback_bpm=B names the tempo as the plugin's control does. */
    const double bpm = controls.fallback_bpm;
    if (midi_write_tick(a.beats) >= MIDI_WRITE_MAX_TICK) {
        fprintf(stderr, "cantus-train generate: %ld beats is too long\n", a.beats);
        engine_free(engine);
        return 2;
    }

    PlayedMidi played;
    const PlayTransport transport = {bpm, a.meter_beats, a.meter_unit};
    if (play_model(engine, &controls, &transport, (double)a.beats, &played) != 0) {
        fprintf(stderr, "cantus-train generate: out of memory\n");
        return 1;
    }
    MidiWriteEvent *events = events_in_ticks(&played, bpm);
    status = 1;
    if (!events) {
        fprintf(stderr, "cantus-train generate: out of memory\n");
        goto done;
    }
    const MidiWriteTempo tempo = {0, bpm};
    const MidiWriteSong song = {
        .beats_per_bar = a.meter_beats,
        .beat_unit = a.meter_unit,
        .tempos = &tempo,
        .n_tempos = 1,
        .events = events,
        .n_events = played.count,
        .end_tick = midi_write_tick((double)a.beats),
    };
    if (midi_write_file(a.output, &song, err, sizeof err) != 0) {
        fprintf(stderr, "cantus-train generate: %s\n", err);
        goto done;
    }
    fprintf(stderr, "cantus-train generate: wrote %s: %ld beats, %d notes\n", a.output, a.beats,
            count_notes(&played));
    status = 0;
done:
    free(events);
    played_midi_free(&played);
    return status;
}
