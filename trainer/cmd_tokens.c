/* cantus-train tokens: the token sequence each MIDI file becomes, exactly as
 * train sees it, so anyone can inspect the encoding or feed the same data
 * to another implementation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "commands.h"
#include "corpus_options.h"
#include "midi/corpus.h"
#include "provenance.h"
#include "model.h"

/* The command line: the corpus options, the folders, --json. */
typedef struct {
    CorpusOptions corpus;
    CliList dirs;
    int json;
} TokensArgs;

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

static const CliOption options[] = {
    {.help = "usage: cantus-train tokens --corpus DIR [DIR...] [options]\n\n"
             "Prints the melody token sequence of every .mid/.midi file under the folders\n"
             "(skipped files and a summary go to stderr).\n\n"},
    {"corpus", "DIR...", "folders to read, recursively (repeatable)", CLI_LIST(TokensArgs, dirs)},
    CLI_INCLUDE(corpus_option_rows, TokensArgs, corpus),
    {"json", NULL,
     "one JSON object per sequence and line:\n"
     "{\"file\", \"split\", \"tokens\", \"note_low\", \"note_high\",\n"
     " \"rest_token\", \"hold_token\", \"steps_per_beat\",\n"
     " \"transpose\", \"corpus\"}, and with --bar-steps\n"
     "\"bar_steps\" and \"positions\"; \"corpus\" holds the folders'\n"
     "names and the options as a model's metadata records them",
     CLI_FLAG(TokensArgs, json)},
    CLI_HELP_AND_VERSION,
    CLI_END(22),
};

static int print_corpus(const TokensArgs *args)
{
    Corpus corpus;
    if (corpus_load(&corpus, args->dirs.items, args->dirs.count, &args->corpus, stderr) != 0)
        return CLI_FAILURE;
    for (int i = 0; i < corpus.n_seqs; i++)
        print_sequence(&corpus, &corpus.seqs[i], args->json, args->dirs.items, args->dirs.count,
                       &args->corpus);
    corpus_free(&corpus);
    return fflush(stdout) == 0 ? CLI_SUCCESS : CLI_FAILURE;
}

int cmd_tokens(int argc, char **argv)
{
    TokensArgs args = {.json = 0};
    corpus_options_default(&args.corpus);
    int status;
    if (cli_read_command_line(argc, argv, options, &args, &status))
        status = args.dirs.count ? print_corpus(&args) : cli_usage_error("needs --corpus DIR");
    free(args.dirs.items);
    return status;
}
