/* cantus-train: turns a folder of MIDI files into a Cantus model, evaluates
 * it, and lets a person inspect and hear a model without a host. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
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
    {"meta", cmd_meta, "print or rewrite a model's metadata, its tensors untouched"},
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void usage(void)
{
    printf("usage: cantus-train COMMAND [OPTIONS]\n"
           "       cantus-train --help | --version\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        printf("  %-9s %s\n", commands[i].name, commands[i].summary);
    printf("\n'cantus-train COMMAND --help' lists a command's options. Errors are one line on\n"
           "stderr; the exit status is 0 on success, 1 on a failure, 2 on a usage error.\n");
}

static const char *command_list(void)
{
    static char list[128];
    size_t used = 0;
    for (size_t i = 0; i < N_COMMANDS && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                 commands[i].name);
    return list;
}

int main(int argc, char **argv)
{
    cli_set_program("cantus-train");
    if (argc < 2) return cli_usage_error("needs a command: %s", command_list());
    const char *word = argv[1];
    if (!strcmp(word, "--help") || !strcmp(word, "-h") || !strcmp(word, "help")) {
        usage();
        return CLI_SUCCESS;
    }
    if (!strcmp(word, "--version")) {
        cli_print_version();
        return CLI_SUCCESS;
    }
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(word, commands[i].name) != 0) continue;
        /* Errors from here on name the command: "cantus-train train: ...". */
        static char program[64];
        snprintf(program, sizeof program, "cantus-train %s", commands[i].name);
        cli_set_program(program);
        return commands[i].run(argc - 1, argv + 1);
    }
    if (word[0] == '-') return cli_usage_error("%s: an option where a command should be", word);
    return cli_usage_error("%s: unknown command; the commands are %s", word, command_list());
}
