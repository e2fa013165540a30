/* cantus-train: turns a folder of MIDI files into a Cantus model, evaluates
 * it, and lets a person inspect and hear a model without a host. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} Command;

static const Command commands[] = {
    {"train", cmd_train, "learn a model from folders of MIDI files"},
    {"eval", cmd_eval, "NLL, perplexity and accuracy on a corpus, beside n-gram baselines"},
    {"generate", cmd_generate, "write a MIDI file of N beats sampled from a model"},
    {"logits", cmd_logits, "print a model's next-token predictions for a token sequence"},
    {"tokens", cmd_tokens, "print the token sequence each MIDI file becomes"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: cantus-train COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'cantus-train COMMAND --help' lists a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "cantus-train: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
