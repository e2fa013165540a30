/* cantus-train tokens: the token sequence each MIDI file becomes, exactly as
 * train sees it, so anyone can inspect the encoding or feed the same data
 * to another implementation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "commands.h"
#include "midi/corpus.h"
#include "provenance.h"
#include "model.h"

static void print_json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

/* What a model's metadata records of the corpus (cmd_train.c's keys), so
 * another trainer reading these lines can write the same provenance. */
static void print_corpus_json(const char *const *dirs, int n_dirs, const CorpusOptions *o)
{
    printf("{\"folders\": [");
    char name[4096];
    for (int i = 0; i < n_dirs; i++) {
        if (i) printf(", ");
        provenance_name(dirs[i], name, sizeof name); /* by name, as a model records them */
        print_json_string(name);
    }
    printf("], \"min_length\": %d, \"val_fraction\": %.17g, \"transpose\": \"%d..%d\", "
           "\"track\": %d, \"channel\": %d, \"split\": \"fnv1a64\"}",
           o->min_length, o->val_fraction, o->transpose_lo, o->transpose_hi, o->track, o->channel);
}

static void print_sequence(const Corpus *c, const CorpusSequence *s, int json,
                           const char *const *dirs, int n_dirs, const CorpusOptions *o)
{
    const char *split = s->split == CORPUS_VAL ? "validation" : "train";
    if (json) {
        printf("{\"file\": ");
        print_json_string(s->file);
        printf(", \"split\": \"%s\", \"tokens\": [", split);
        for (int k = 0; k < s->length; k++)
            printf(k ? ", %d" : "%d", s->tokens[k]);
        if (s->positions) {
            printf("], \"bar_steps\": %d, \"positions\": [", c->bar_steps);
            for (int k = 0; k < s->length; k++)
                printf(k ? ", %d" : "%d", s->positions[k]);
        }
        printf("], \"note_low\": %d, \"note_high\": %d, \"rest_token\": %d, \"hold_token\": %d, "
               "\"steps_per_beat\": %d, \"transpose\": %d, \"corpus\": ",
               c->note_low, c->note_high, c->rest_token, c->hold_token, c->steps_per_beat,
               s->transpose);
        print_corpus_json(dirs, n_dirs, o);
        printf("}\n");
        return;
    }
    if (s->transpose)
        printf("%s (%s, transposed %+d, %d steps):", s->file, split, s->transpose, s->length);
    else
        printf("%s (%s, %d steps):", s->file, split, s->length);
    for (int k = 0; k < s->length; k++) {
        char name[8];
        int t = s->tokens[k];
        if (t == c->rest_token)
            snprintf(name, sizeof name, "REST");
        else if (t == c->hold_token)
            snprintf(name, sizeof name, "HOLD");
        else
            cli_pitch_name(c->note_low + t, name);
        printf(" %s", name);
    }
    putchar('\n');
}

enum {
    OPT_CORPUS = CLI_FIRST_OWN_OPTION,
    OPT_STEPS_PER_BEAT,
    OPT_BAR_STEPS,
    OPT_TRACK,
    OPT_CHANNEL,
    OPT_LOW,
    OPT_HIGH,
    OPT_MIN_LENGTH,
    OPT_VAL_FRACTION,
    OPT_TRANSPOSE,
    OPT_JSON,
};

static const CliOption options[] = {
    {"corpus", OPT_CORPUS, "DIR...", "folders to read, recursively (repeatable)"},
    {"steps-per-beat", OPT_STEPS_PER_BEAT, "N", "tokens per beat (default 1)"},
    {"bar-steps", OPT_BAR_STEPS, "P",
     "give each step its position in the bar, 0..P-1, from\n"
     "the time signatures; bars longer than P steps are cut\n"
     "out and counted (default 0: no positions)"},
    {"track", OPT_TRACK, "N",
     "take the melody from track N (0 = first track chunk)\n"
     "instead of the melody heuristic (docs/midi.md)"},
    {"channel", OPT_CHANNEL, "N", "take the melody from MIDI channel N (1..16)"},
    {"low", OPT_LOW, "P", CLI_SAME_LINE},
    {"high", OPT_HIGH, "P",
     "note range (MIDI number or name, C4 = 60);\n"
     "default: from the training split"},
    {"min-length", OPT_MIN_LENGTH, "N", "skip melodies shorter than N steps (default 16)"},
    {"val-fraction", OPT_VAL_FRACTION, "F", "share of files in the validation split (default 0.1)"},
    {"transpose", OPT_TRANSPOSE, "A..B",
     "add the training split's copies transposed by A..B\n"
     "semitones, as train --transpose does (default 0..0)"},
    {"json", OPT_JSON, NULL,
     "one JSON object per sequence and line:\n"
     "{\"file\", \"split\", \"tokens\", \"note_low\", \"note_high\",\n"
     " \"rest_token\", \"hold_token\", \"steps_per_beat\",\n"
     " \"transpose\", \"corpus\"}, and with --bar-steps\n"
     "\"bar_steps\" and \"positions\"; \"corpus\" holds the folders'\n"
     "names and the options as a model's metadata records them"},
    {0},
};

static const CliCommand command = {
    .usage = "usage: cantus-train tokens --corpus DIR [DIR...] [options]\n"
             "\n"
             "Prints the melody token sequence of every .mid/.midi file under the folders\n"
             "(skipped files and a summary go to stderr).\n"
             "\n",
    .options = options,
    .column = 25,
};

typedef struct {
    CorpusOptions corpus;
    const char **dirs; /* room for argc entries */
    int n_dirs, json;
} TokensArgs;

/* One option into the TokensArgs; false after a usage error. */
static bool take_option(int c, const char *value, void *context)
{
    TokensArgs *args = context;
    CorpusOptions *options = &args->corpus;
    long number;
    switch (c) {
    case OPT_CORPUS:
        args->dirs[args->n_dirs++] = value;
        return true;
    case OPT_JSON:
        args->json = 1;
        return true;
    case OPT_STEPS_PER_BEAT:
        if (!cli_int_option("--steps-per-beat", value, 1, 96, &number)) return false;
        options->steps_per_beat = (int)number;
        return true;
    case OPT_BAR_STEPS:
        if (!cli_int_option("--bar-steps", value, 0, CANTUS_MAX_BAR_STEPS, &number)) return false;
        options->bar_steps = (int)number;
        return true;
    case OPT_TRACK:
        if (!cli_int_option("--track", value, 0, 65535, &number)) return false;
        options->track = (int)number;
        return true;
    case OPT_CHANNEL:
        if (!cli_int_option("--channel", value, 1, 16, &number)) return false;
        options->channel = (int)number - 1;
        return true;
    case OPT_LOW:
        return cli_pitch_option("--low", value, &options->note_low);
    case OPT_HIGH:
        return cli_pitch_option("--high", value, &options->note_high);
    case OPT_MIN_LENGTH:
        if (!cli_int_option("--min-length", value, 0, 1 << 30, &number)) return false;
        options->min_length = (int)number;
        return true;
    case OPT_VAL_FRACTION:
        return cli_double_option("--val-fraction", value, 0.0, 1.0, &options->val_fraction);
    case OPT_TRANSPOSE: {
        char *end;
        long a = strtol(value, &end, 10), b;
        if (end == value || strncmp(end, "..", 2) != 0 || !cli_parse_int(end + 2, -24, 24, &b) ||
            a < -24 || a > b) {
            cli_bad_value("--transpose", value, "wants A..B semitones, -24 <= A <= B <= 24");
            return false;
        }
        options->transpose_lo = (int)a;
        options->transpose_hi = (int)b;
        return true;
    }
    default:
        return false;
    }
}

static int print_corpus(const TokensArgs *args)
{
    Corpus corpus;
    if (corpus_load(&corpus, args->dirs, args->n_dirs, &args->corpus, stderr) != 0)
        return CLI_FAILURE;
    for (int i = 0; i < corpus.n_seqs; i++)
        print_sequence(&corpus, &corpus.seqs[i], args->json, args->dirs, args->n_dirs,
                       &args->corpus);
    corpus_free(&corpus);
    return fflush(stdout) == 0 ? CLI_SUCCESS : CLI_FAILURE;
}

int cmd_tokens(int argc, char **argv)
{
    TokensArgs args = {.dirs = calloc((size_t)argc + 1, sizeof *args.dirs)};
    corpus_options_default(&args.corpus);
    if (!args.dirs) {
        cli_error("out of memory");
        return CLI_FAILURE;
    }
    int status = cli_parse_options(argc, argv, &command, take_option, &args);
    if (status == CLI_SUCCESS && cli_no_operands(argc, argv)) status = CLI_USAGE;
    if (status == CLI_SUCCESS && args.n_dirs == 0) status = cli_usage_error("needs --corpus DIR");
    if (status == CLI_SUCCESS) status = print_corpus(&args);
    free(args.dirs);
    return status == CLI_ANSWERED ? CLI_SUCCESS : status;
}
