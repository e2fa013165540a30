/* cantus-train generate: N beats sampled from a model into a MIDI file, so a
 * person can hear a model without a plugin host. The sequence starts as the
 * plugin's does (a zero state fed the zero input, token -1, the RNG seeded
 * with (seed, 0)), so the same model, seed and mask give the same notes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_args.h"
#include "commands.h"
#include "lstm.h"
#include "midi/midi_write.h"
#include "model.h"
#include "rng.h"
#include "sampler.h"

#define TICKS_PER_QUARTER 480

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cantus-train generate --model M --beats N -o OUT.mid [options]\n"
            "\n"
            "Samples N beats from the model and writes them as a MIDI file.\n"
            "\n"
            "  --model M          a Cantus model (.safetensors)\n"
            "  --beats N          length in beats (quarter notes)\n"
            "  -o, --output F     the MIDI file to write (replaced atomically)\n"
            "  --seed S           random seed (default 1)\n"
            "  --temperature T    sampling temperature; 0 = always the likeliest (default 1)\n"
            "  --bpm B            tempo written into the file (default 120)\n"
            "  --key K            key of the scale mask: C, C#, Db ... B, or 0..11 (default C)\n"
            "  --scale S          the scale mask, by name or index 0..%d (default chromatic):\n",
            CANTUS_SCALE_COUNT - 1);
    cli_print_scale_names(out, 21);
    fprintf(out,
            "  --low P, --high P  note range (MIDI number or name; default the model's). Every\n"
            "                     note is carried by octaves into it, keeping its pitch class\n"
            "  --transpose N      semitones added to every note before the range, -24..24\n"
            "  --rests on|off     off: every step plays a new note (default on)\n"
            "  --gate G           share of each note's length it sounds, 0.05..1 (default 0.8)\n"
            "  --velocity V       1..127 (default 100)\n"
            "  --channel C        MIDI channel 1..16 (default 1)\n"
            "  --help, --version\n");
}

static int parse_key(const char *text)
{
    long number;
    if (cli_parse_int(text, 0, 11, &number)) return (int)number;
    static const char *const sharps[12] = {"C",  "C#", "D",  "D#", "E",  "F",
                                           "F#", "G",  "G#", "A",  "A#", "B"};
    static const char *const flats[12] = {"C",  "Db", "D",  "Eb", "E",  "F",
                                          "Gb", "G",  "Ab", "A",  "Bb", "B"};
    for (int k = 0; k < 12; k++)
        if (!strcasecmp(text, sharps[k]) || !strcasecmp(text, flats[k])) return k;
    return -1;
}

static int parse_scale(const char *text)
{
    long number;
    if (cli_parse_int(text, 0, CANTUS_SCALE_COUNT - 1, &number)) return (int)number;
    return cantus_scale_from_name(text);
}

typedef struct {
    const char *model, *output;
    long beats, seed, velocity, channel;
    double temperature, bpm, gate;
    int key, scale, rests, low, high;
    long transpose;
} GenerateArgs;

enum {
    OPT_MODEL = CLI_FIRST_OWN_OPTION,
    OPT_BEATS,
    OPT_SEED,
    OPT_TEMPERATURE,
    OPT_BPM,
    OPT_KEY,
    OPT_SCALE,
    OPT_LOW,
    OPT_HIGH,
    OPT_TRANSPOSE,
    OPT_RESTS,
    OPT_GATE,
    OPT_VELOCITY,
    OPT_CHANNEL,
};

static const struct option long_options[] = {
    {"model", required_argument, NULL, OPT_MODEL},
    {"output", required_argument, NULL, 'o'},
    {"beats", required_argument, NULL, OPT_BEATS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"temperature", required_argument, NULL, OPT_TEMPERATURE},
    {"bpm", required_argument, NULL, OPT_BPM},
    {"key", required_argument, NULL, OPT_KEY},
    {"scale", required_argument, NULL, OPT_SCALE},
    {"low", required_argument, NULL, OPT_LOW},
    {"high", required_argument, NULL, OPT_HIGH},
    {"transpose", required_argument, NULL, OPT_TRANSPOSE},
    {"rests", required_argument, NULL, OPT_RESTS},
    {"gate", required_argument, NULL, OPT_GATE},
    {"velocity", required_argument, NULL, OPT_VELOCITY},
    {"channel", required_argument, NULL, OPT_CHANNEL},
    CLI_STANDARD_OPTIONS,
    {NULL, 0, NULL, 0},
};

/* One option into a; false after a usage error. */
static bool take_option(int c, const char *v, GenerateArgs *a)
{
    switch (c) {
    case OPT_MODEL:
        a->model = v;
        return true;
    case 'o':
        a->output = v;
        return true;
    case OPT_BEATS:
        return cli_int_option("--beats", v, 1, 1000000, &a->beats);
    case OPT_SEED:
        return cli_int_option("--seed", v, 0, 4294967295L, &a->seed);
    case OPT_TEMPERATURE:
        return cli_double_option("--temperature", v, 0.0, 100.0, &a->temperature);
    case OPT_BPM:
        return cli_double_option("--bpm", v, 1.0, 1000.0, &a->bpm);
    case OPT_KEY:
        if ((a->key = parse_key(v)) >= 0) return true;
        cli_bad_value("--key", v, "wants C, C#, Db ... B, or 0..11");
        return false;
    case OPT_SCALE:
        if ((a->scale = parse_scale(v)) >= 0) return true;
        char want[320];
        snprintf(want, sizeof want, "wants one of %s, or its index 0..%d", cli_scale_names(),
                 CANTUS_SCALE_COUNT - 1);
        cli_bad_value("--scale", v, want);
        return false;
    case OPT_LOW:
        return cli_pitch_option("--low", v, &a->low);
    case OPT_HIGH:
        return cli_pitch_option("--high", v, &a->high);
    case OPT_TRANSPOSE:
        return cli_int_option("--transpose", v, -24, 24, &a->transpose);
    case OPT_RESTS:
        if ((a->rests = !strcmp(v, "on") ? 1 : !strcmp(v, "off") ? 0 : -1) >= 0) return true;
        cli_bad_value("--rests", v, "wants on or off");
        return false;
    case OPT_GATE:
        return cli_double_option("--gate", v, 0.05, 1.0, &a->gate);
    case OPT_VELOCITY:
        return cli_int_option("--velocity", v, 1, 127, &a->velocity);
    case OPT_CHANNEL:
        return cli_int_option("--channel", v, 1, 16, &a->channel);
    default:
        return false;
    }
}

/* Returns 0, or the exit status of a usage error (or -1 after --help or
 * --version). */
static int parse_args(int argc, char **argv, GenerateArgs *a)
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
                        .high = -1};
    cli_getopt_begin();
    int c;
    while ((c = cli_getopt(argc, argv, "o:h", long_options)) != -1) {
        if (c == CLI_OPTION_HELP) {
            usage(stdout);
            return -1;
        }
        if (c == CLI_OPTION_VERSION) {
            cli_print_version();
            return -1;
        }
        if (c == '?' || !take_option(c, optarg, a)) return 2;
    }
    if (cli_no_operands(argc, argv)) return 2;
    if (!a->model || !a->output || a->beats == 0)
        return cli_usage_error("needs --model, --beats and -o");
    return 0;
}

/* Tokens -> notes: a pitch starts a note (at the pitch it sounds at, in
 * pitch_of), HOLD lengthens the sounding one, REST (or HOLD with nothing
 * sounding) is silence. */
static int tokens_to_notes(const CantusModelInfo *info, const int16_t *pitch_of, const int *tokens,
                           int n, int step_ticks, const GenerateArgs *a, MidiWriteNote *notes)
{
    int count = 0, start = -1, pitch = -1;
    for (int k = 0; k <= n; k++) {
        int token = k < n ? tokens[k] : -1;
        if (k < n && token == info->hold_token && start >= 0) continue;
        if (start >= 0) {
            int64_t length = (int64_t)(k - start) * step_ticks;
            int64_t sounding = llround((double)length * a->gate);
            notes[count++] =
                (MidiWriteNote){pitch, (int)a->velocity, (int64_t)start * step_ticks,
                                (int64_t)start * step_ticks + (sounding < 1 ? 1 : sounding)};
            start = -1;
        }
        int p = k < n && token >= 0 && token < info->vocab ? pitch_of[token] : -1;
        if (p >= 0) {
            start = k;
            pitch = p;
        }
    }
    return count;
}

int cmd_generate(int argc, char **argv)
{
    GenerateArgs a;
    int usage_status = parse_args(argc, argv, &a);
    if (usage_status) return usage_status < 0 ? 0 : usage_status;

    char err[CANTUS_ERROR_SIZE];
    CantusModel *model = cantus_model_load(a.model, err, sizeof err);
    if (!model) {
        fprintf(stderr, "cantus-train generate: %s\n", err);
        return 1;
    }
    const CantusModelInfo *info = cantus_model_info(model);
    int spb = info->steps_per_beat > 0 ? info->steps_per_beat : 1;
    int ppqn = TICKS_PER_QUARTER % spb == 0 ? TICKS_PER_QUARTER : 120 * spb;
    int step_ticks = ppqn / spb;
    long steps = a.beats * spb;
    if (steps > (1L << 24)) {
        fprintf(stderr, "cantus-train generate: %ld beats is too long\n", a.beats);
        cantus_model_free(model);
        return 2;
    }

    /* An end not given is the model's, unless that would put the ends the
     * wrong way round: then it is MIDI's own (0 or 127). */
    int low = a.low >= 0 ? a.low : info->note_low;
    int high = a.high >= 0 ? a.high : info->note_high;
    if (a.low >= 0 && a.high >= 0 && a.low > a.high) {
        fprintf(stderr, "cantus-train generate: --low %d is above --high %d\n", a.low, a.high);
        cantus_model_free(model);
        return 2;
    }
    if (low > high) {
        if (a.low < 0) low = 0;
        if (a.high < 0) high = 127;
    }
    /* The plugin's mask and register, from the same core code. */
    const CantusMaskSpec spec = {.note_low = low,
                                 .note_high = high,
                                 .key = a.key,
                                 .scale = (CantusScale)a.scale,
                                 .rests = a.rests != 0,
                                 .transpose = (int)a.transpose};
    CantusLstmState *state = cantus_lstm_state_new(model);
    uint8_t *mask = malloc((size_t)info->vocab);
    uint8_t *opening_mask = malloc((size_t)info->vocab);
    int16_t *pitch_of = malloc((size_t)info->vocab * sizeof *pitch_of);
    double *scratch = malloc((size_t)info->vocab * sizeof *scratch);
    int *tokens = malloc((size_t)steps * sizeof *tokens);
    MidiWriteNote *notes = malloc((size_t)steps * sizeof *notes);
    int status = 1;
    if (!state || !mask || !opening_mask || !pitch_of || !scratch || !tokens || !notes) {
        fprintf(stderr, "cantus-train generate: out of memory\n");
        goto done;
    }
    cantus_pitch_map_build(info, &spec, pitch_of);
    cantus_mask_build_mapped(info, &spec, pitch_of, mask);
    cantus_mask_build_opening_mapped(info, &spec, pitch_of, opening_mask);

    CantusRng rng;
    cantus_lstm_state_reset(state);
    cantus_rng_seed(&rng, (uint64_t)a.seed, 0);
    cantus_lstm_state_step(state, -1); /* the start symbol: a zero input vector */
    for (long k = 0; k < steps; k++) {
        int token = cantus_sample(cantus_lstm_state_logits(state), k == 0 ? opening_mask : mask,
                                  info->vocab, (float)a.temperature, &rng, scratch);
        tokens[k] = token;
        if (k + 1 < steps) cantus_lstm_state_step(state, token);
    }

    int n_notes = tokens_to_notes(info, pitch_of, tokens, (int)steps, step_ticks, &a, notes);
    if (midi_write_file(a.output, notes, n_notes, ppqn, a.bpm, (int)a.channel - 1, err,
                        sizeof err) != 0) {
        fprintf(stderr, "cantus-train generate: %s\n", err);
        goto done;
    }
    fprintf(stderr, "cantus-train generate: wrote %s: %ld beats, %d notes\n", a.output, a.beats,
            n_notes);
    status = 0;
done:
    free(mask);
    free(opening_mask);
    free(pitch_of);
    free(scratch);
    free(tokens);
    free(notes);
    cantus_lstm_state_free(state);
    cantus_model_free(model);
    return status;
}
