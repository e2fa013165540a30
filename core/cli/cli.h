/* What every Cantus program's command line has in common, so that they all
 * behave like other tools:
 *
 *   - GNU long options through getopt_long: `--steps 3` and `--steps=3`,
 *     unambiguous abbreviations, `--` ends the options;
 *   - `--help` prints the usage on stdout and exits 0; `--version` prints
 *     "PROGRAM VERSION" (the meson project's version) and exits 0;
 *   - every error is one line on stderr, "PROGRAM: WHAT: WHY"; a usage
 *     error ends with the hint "(see PROGRAM --help)";
 *   - exit status 0 on success, 1 on a failure (a file, a model, the disk),
 *     2 on a usage error.
 *
 * Depends on libc only. */
#ifndef CANTUS_CLI_H
#define CANTUS_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

enum { CLI_SUCCESS = 0, CLI_FAILURE = 1, CLI_USAGE = 2 };

/* The option values every program adds to its getopt_long table, with
 * CLI_STANDARD_OPTIONS; a program's own long-only options take values from
 * CLI_FIRST_OWN_OPTION up. CLI_ANSWERED is what cli_next_option returns
 * once it has answered --help or --version itself. */
enum {
    CLI_OPTION_HELP = 'h',
    CLI_OPTION_VERSION = 0x1000,
    CLI_ANSWERED = 0x1001,
    CLI_FIRST_OWN_OPTION = 0x1002
};
#define CLI_STANDARD_OPTIONS                                                                       \
    {"help", no_argument, NULL, CLI_OPTION_HELP},                                                  \
    {                                                                                              \
        "version", no_argument, NULL, CLI_OPTION_VERSION                                           \
    }

/* The name errors start with: "cantus-render", "cantus-train train". */
void cli_set_program(const char *name);
const char *cli_program(void);
/* The project's version, e.g. "0.1.0". */
const char *cli_version(void);
/* "cantus-train 0.1.0" on stdout: the program's first word and the version. */
void cli_print_version(void);

/* "PROGRAM: " + the formatted text + newline, on stderr. */
void cli_error(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* The same with the hint " (see PROGRAM --help)"; returns CLI_USAGE. */
int cli_usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Starts reading a new argv with cli_getopt (getopt keeps its place in
 * globals, so a program or test that parses twice calls this first). */
void cli_getopt_begin(void);
/* getopt_long with the errors in the house style: returns the option's
 * value, -1 after the last option, or '?' after printing one line for an
 * unknown or ambiguous option, a missing value, a value given to an option
 * that takes none, or an option word where a value should be ("--model
 * --beats 8": a separate value that starts with "--" is taken as a
 * forgotten one; "--model=--x" passes). `shorts` lists the short options
 * as getopt does, without a leading ':' or '+'. */
int cli_getopt(int argc, char **argv, const char *shorts, const struct option *longs);

/* One option of a command, in one row: its getopt_long entry and its place
 * in the command's --help, so the two cannot drift apart. */
typedef struct {
    /* The long name without "--"; a row without one is text of the help
     * alone (a heading, a note), printed as it is. */
    const char *name;
    /* What cli_next_option returns for it: a letter for an option that has
     * a short form too ("-o, --output" in the help), else a value from
     * CLI_FIRST_OWN_OPTION up. */
    int value;
    /* The name of its value in the help ("FILE"); NULL for an option that
     * takes none. */
    const char *arg;
    /* What it does, in the help, from the command's column on; each '\n'
     * in it starts another line at that column. NULL: not in the help.
     * CLI_SAME_LINE: named on the next row's line ("--low P, --high P"). */
    const char *help;
} CliOption;
#define CLI_SAME_LINE ""

/* A command's command line: its options and its --help. */
typedef struct {
    const char *usage;        /* the help before the options ("usage: ...") */
    const CliOption *options; /* ended by a row of zeros */
    /* Where the options' explanations start in the help; 0: the help lists
     * no options. */
    int column;
    const char *epilogue; /* the help after the options, or NULL */
} CliCommand;

/* The help: the usage, the options, "--help, --version", the epilogue. */
void cli_print_help(const CliCommand *command, FILE *out);

/* cli_getopt for a command: the getopt_long table and the short options
 * come from its rows; --help prints cli_print_help and --version
 * cli_print_version, on stdout, and both return CLI_ANSWERED (the program
 * then exits with CLI_SUCCESS). Begin with cli_getopt_begin;
 * cli_parse_options runs the whole loop. */
int cli_next_option(int argc, char **argv, const CliCommand *command);

/* Takes one option of a command: its value in the command's table, its
 * text (NULL for an option that takes none), the context given to
 * cli_parse_options. False after a usage error it printed. */
typedef bool (*CliTakeOption)(int option, const char *text, void *context);

/* Reads argv's options for the command from the start, each handed to
 * take; an option whose value's name ends in "..." (--corpus DIR...) takes
 * the words that follow too, up to the next one starting with '-', each
 * handed to take in turn. Returns CLI_SUCCESS with optind at the first
 * word after the options, CLI_ANSWERED after --help or --version (answered
 * on stdout), or CLI_USAGE after a usage error (one line on stderr). */
int cli_parse_options(int argc, char **argv, const CliCommand *command, CliTakeOption take,
                      void *context);

/* Usage error for the first word left after the options, if any. */
int cli_no_operands(int argc, char **argv);

/* Numbers: the whole text must be one, within lo..hi. */
bool cli_parse_int(const char *text, long lo, long hi, long *value);
bool cli_parse_double(const char *text, double lo, double hi, double *value);

/* An option's value, the same with the usage error printed when it is not
 * one: "--steps 0: wants a whole number in 1..1000000000 (see ...)". */
bool cli_int_option(const char *option, const char *text, long lo, long hi, long *value);
bool cli_double_option(const char *option, const char *text, double lo, double hi, double *value);
/* "OPTION VALUE: WANT (see PROGRAM --help)"; returns CLI_USAGE. */
int cli_bad_value(const char *option, const char *value, const char *want);

#endif
