/* cantus-train tokens: the token sequence each MIDI file becomes, exactly as
 * train sees it, so anyone can inspect the encoding or feed the same data
 * to another implementation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "commands.h"
#include "midi/corpus.h"
#include "model.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: cantus-train tokens --corpus DIR [DIR...] [options]\n"
        "\n"
        "Prints the melody token sequence of every .mid/.midi file under the folders\n"
        "(skipped files and a summary go to stderr).\n"
        "\n"
        "  --corpus DIR...        folders to read, recursively (repeatable)\n"
        "  --steps-per-beat N     tokens per beat (default 1)\n"
        "  --bar-steps P          give each step its position in the bar, 0..P-1, from\n"
        "                         the time signatures; bars longer than P steps are cut\n"
        "                         out and counted (default 0: no positions)\n"
        "  --track N              take the melody from track N (0 = first track chunk)\n"
        "                         instead of the melody heuristic (docs/midi.md)\n"
        "  --channel N            take the melody from MIDI channel N (1..16)\n"
        "  --low P, --high P      note range (MIDI number or name, C4 = 60);\n"
        "                         default: from the training split\n"
        "  --min-length N         skip melodies shorter than N steps (default 16)\n"
        "  --val-fraction F       share of files in the validation split (default 0.1)\n"
        "  --transpose A..B       add the training split's copies transposed by A..B\n"
        "                         semitones, as train --transpose does (default 0..0)\n"
        "  --json                 one JSON object per sequence and line:\n"
        "                         {\"file\", \"split\", \"tokens\", \"note_low\", \"note_high\",\n"
        "                          \"rest_token\", \"hold_token\", \"steps_per_beat\",\n"
        "                          \"transpose\", \"corpus\"}, and with --bar-steps\n"
        "                         \"bar_steps\" and \"positions\"; \"corpus\" holds the folders\n"
        "                         and the options as a model's metadata records them\n"
        "  --help                 this text\n");
}

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
    for (int i = 0; i < n_dirs; i++) {
        if (i) printf(", ");
        print_json_string(dirs[i]);
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

int cmd_tokens(int argc, char **argv)
{
    CorpusOptions options;
    corpus_options_default(&options);
    const char **dirs = calloc((size_t)argc, sizeof *dirs);
    int n_dirs = 0, json = 0;
    if (!dirs) {
        fprintf(stderr, "cantus-train tokens: out of memory\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = NULL;
        long number;
        int pitch;
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            free(dirs);
            return 0;
        } else if (!strcmp(arg, "--json")) {
            json = 1;
        } else if (!strcmp(arg, "--corpus")) {
            if (i + 1 >= argc || argv[i + 1][0] == '-') goto missing;
            while (i + 1 < argc && argv[i + 1][0] != '-')
                dirs[n_dirs++] = argv[++i];
        } else if (!strcmp(arg, "--steps-per-beat")) {
            if (!(value = cli_value("tokens", argc, argv, &i))) goto fail;
            if (!cli_parse_int(value, 1, 96, &number)) goto bad;
            options.steps_per_beat = (int)number;
        } else if (!strcmp(arg, "--bar-steps")) {
            if (!(value = cli_value("tokens", argc, argv, &i))) goto fail;
            if (!cli_parse_int(value, 0, CANTUS_MAX_BAR_STEPS, &number)) goto bad;
            options.bar_steps = (int)number;
        } else if (!strcmp(arg, "--track")) {
            if (!(value = cli_value("tokens", argc, argv, &i))) goto fail;
            if (!cli_parse_int(value, 0, 65535, &number)) goto bad;
            options.track = (int)number;
        } else if (!strcmp(arg, "--channel")) {
            if (!(value = cli_value("tokens", argc, argv, &i))) goto fail;
            if (!cli_parse_int(value, 1, 16, &number)) goto bad;
            options.channel = (int)number - 1;
        } else if (!strcmp(arg, "--low") || !strcmp(arg, "--high")) {
            if (!(value = cli_value("tokens", argc, argv, &i))) goto fail;
            if (!cli_parse_pitch(value, &pitch)) goto bad;
            *(!strcmp(arg, "--low") ? &options.note_low : &options.note_high) = pitch;
        } else if (!strcmp(arg, "--min-length")) {
            if (!(value = cli_value("tokens", argc, argv, &i))) goto fail;
            if (!cli_parse_int(value, 0, 1 << 30, &number)) goto bad;
            options.min_length = (int)number;
        } else if (!strcmp(arg, "--val-fraction")) {
            if (!(value = cli_value("tokens", argc, argv, &i))) goto fail;
            if (!cli_parse_double(value, 0.0, 1.0, &options.val_fraction)) goto bad;
        } else if (!strcmp(arg, "--transpose")) {
            if (!(value = cli_value("tokens", argc, argv, &i))) goto fail;
            char *end;
            long a = strtol(value, &end, 10), b;
            if (end == value || strncmp(end, "..", 2) != 0) goto bad;
            if (!cli_parse_int(end + 2, -24, 24, &b) || a < -24 || a > b) goto bad;
            options.transpose_lo = (int)a;
            options.transpose_hi = (int)b;
        } else {
            fprintf(stderr, "cantus-train tokens: unknown option '%s' (see --help)\n", arg);
            goto fail;
        }
        continue;
    bad:
        fprintf(stderr, "cantus-train tokens: bad value '%s' for %s (see --help)\n", value, arg);
        goto fail;
    missing:
        fprintf(stderr, "cantus-train tokens: %s needs at least one folder\n", arg);
        goto fail;
    }
    if (n_dirs == 0) {
        fprintf(stderr, "cantus-train tokens: --corpus DIR is required (see --help)\n");
        goto fail;
    }

    Corpus corpus;
    if (corpus_load(&corpus, dirs, n_dirs, &options, stderr) != 0) {
        free(dirs);
        return 1;
    }
    for (int i = 0; i < corpus.n_seqs; i++)
        print_sequence(&corpus, &corpus.seqs[i], json, dirs, n_dirs, &options);
    corpus_free(&corpus);
    free(dirs);
    return fflush(stdout) == 0 ? 0 : 1;

fail:
    free(dirs);
    return 2;
}
