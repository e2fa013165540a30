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
#include <stddef.h>
#include <stdio.h>

enum { CLI_SUCCESS = 0, CLI_FAILURE = 1, CLI_USAGE = 2 };

/* The option values every program adds to its getopt_long table, with
 * CLI_STANDARD_OPTIONS; a program's own long-only options take values from
 * CLI_FIRST_OWN_OPTION up (below CLI_ROW_OPTION, from where cli_parse_options
 * numbers its rows). CLI_ANSWERED is what cli_parse_options returns once it
 * has answered --help or --version. */
enum {
    CLI_OPTION_HELP = 'h',
    CLI_OPTION_VERSION = 0x1000,
    CLI_ANSWERED = 0x1001,
    CLI_FIRST_OWN_OPTION = 0x1002,
    CLI_ROW_OPTION = 0x2000
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

/* How cli_parse_options keeps an option's text in the option's field; the
 * CLI_* row macros below pick it from the field's type, and refuse a field
 * of another type. */
typedef enum {
    CLI_KEEP_TEXT = 1, /* const char *: the text */
    CLI_KEEP_LIST,     /* CliList: the text added to it */
    CLI_SET_BOOL,      /* bool: true */
    CLI_SET_INT,       /* int: 1 */
    CLI_KEEP_INT,      /* int: the whole number, within lo..hi */
    CLI_KEEP_LONG,     /* long: the same */
    CLI_KEEP_DOUBLE,   /* double: the number, within lo..hi */
    CLI_KEEP_PARSED,   /* anything: what the row's parse function makes of it */
} CliKeep;

/* The values of an option given several times (--corpus A --corpus B) or
 * with several words (--corpus A B), in order; items is allocated as they
 * come, the caller frees it. */
typedef struct {
    const char **items;
    int count;
} CliList;

/* Adds text to the list; false after saying "out of memory". */
bool cli_list_add(CliList *list, const char *text);

/* Turns an option's text into its field, or prints the usage error
 * ("--low X9: wants ...", option is "--low") and returns false. */
typedef bool (*CliParse)(const char *option, const char *text, void *field);

/* One option of a command, in one row: its getopt_long entry, its place in
 * the command's --help and the field its value goes to, so they cannot
 * drift apart. */
typedef struct CliOption {
    /* The long name without "--"; a row without one is text of the help
     * alone (the usage, a heading, a note), printed as it is, or an
     * include. */
    const char *name;
    /* The name of its value in the help ("FILE"); NULL for an option that
     * takes none. A name ending in "..." (DIR...) takes the words that
     * follow too, up to the next one starting with '-'. */
    const char *arg;
    /* What it does, in the help, from the command's column on; each '\n'
     * in it starts another line at that column. NULL: not in the help.
     * CLI_SAME_LINE: named on the next row's line ("--low P, --high P"). */
    const char *help;
    /* Where its value goes: a field `offset` bytes into the context given
     * to cli_parse_options, kept as `keep` says (lo..hi: a number's range;
     * parse: CLI_KEEP_PARSED's function). */
    CliKeep keep;
    size_t offset;
    double lo, hi;
    CliParse parse;
    /* A row of another table's rows, in its place (options that several
     * commands share); their fields are `offset` bytes into the context. */
    const struct CliOption *include;
    /* Its short form's letter ("-o, --output" in the help), or 0. */
    char letter;
    /* On a table's last row, its end (CLI_END): where the options'
     * explanations start in the help; 0: the help lists no options, only
     * the rows of text. */
    int column;
} CliOption;
#define CLI_SAME_LINE ""

/* The tail of a row: where its value goes in a context of type `type`.
 * Numbers must be exact in a double (whole numbers up to 2^53). */
/* clang-format off */
#define CLI_FIELD_(type, field, kind) .keep = (kind), .offset = offsetof(type, field)
#define CLI_TEXT(type, field) \
    CLI_FIELD_(type, field, _Generic(((type *)0)->field, const char *: CLI_KEEP_TEXT))
#define CLI_LIST(type, field) \
    CLI_FIELD_(type, field, _Generic(((type *)0)->field, CliList: CLI_KEEP_LIST))
#define CLI_FLAG(type, field) \
    CLI_FIELD_(type, field, _Generic(((type *)0)->field, bool: CLI_SET_BOOL, int: CLI_SET_INT))
#define CLI_NUMBER(type, field, low, high)                                          \
    CLI_FIELD_(type, field, _Generic(((type *)0)->field, int: CLI_KEEP_INT,         \
                                     long: CLI_KEEP_LONG, double: CLI_KEEP_DOUBLE)), \
    .lo = (low), .hi = (high)
#define CLI_PARSED(type, field, function) \
    CLI_FIELD_(type, field, CLI_KEEP_PARSED), .parse = (function)
/* The parse function is given the whole context (or the part an include
 * fills): for an option that sets several fields. */
#define CLI_PARSED_WHOLE(function) .keep = CLI_KEEP_PARSED, .offset = 0, .parse = (function)
/* The rows of `rows`, their fields in the `field` of a context of `type`. */
#define CLI_INCLUDE(rows, type, field) {.include = (rows), .offset = offsetof(type, field)}
/* The help's line for --help and --version, which every command takes: a
 * row of text where a command lists them. */
#define CLI_HELP_AND_VERSION {.help = "  --help, --version\n"}
/* The end of a command's table, with the column of its help. */
#define CLI_END(help_column) {.column = (help_column)}
/* clang-format on */

/* A command's command line is its table of rows: first the usage (a row of
 * text), then the options, notes and headings in the order of its --help,
 * ended by CLI_END (a row of zeros but for the help's column). */

/* The help: the rows of text, and the options where the end gives a
 * column. */
void cli_print_help(const CliOption *rows, FILE *out);
/* The column the table's end gives. */
int cli_help_column(const CliOption *rows);

/* Reads argv's options for the command from the start, each kept in its
 * field of the context as its row says. Returns CLI_SUCCESS with optind at
 * the first word after the options, CLI_ANSWERED after --help or --version
 * (answered on stdout), or CLI_USAGE after a usage error (one line on
 * stderr). */
int cli_parse_options(int argc, char **argv, const CliOption *rows, void *context);

/* The whole command line of a command that takes no operands:
 * cli_parse_options, then cli_no_operands. True to go on; false when the
 * program is to exit with *status, CLI_SUCCESS after --help or --version,
 * CLI_USAGE after a usage error. */
bool cli_read_command_line(int argc, char **argv, const CliOption *rows, void *context,
                           int *status);

/* Usage error for the first word left after the options, if any. */
int cli_no_operands(int argc, char **argv);

/* Numbers: the whole text must be one, within lo..hi. */
bool cli_parse_int(const char *text, long lo, long hi, long *value);
bool cli_parse_double(const char *text, double lo, double hi, double *value);

/* An option's value, the same with the usage error printed when it is not
 * one: "--steps 0: wants a whole number in 1..1000000000 (see ...)". */
bool cli_int_option(const char *option, const char *text, long lo, long hi, long *value);
bool cli_double_option(const char *option, const char *text, double lo, double hi, double *value);
/* A metre N/D, N beats of a 1/D note (N 1..64, D 1, 2, 4 ... 64), the
 * same with the usage error printed when it is not one. */
bool cli_meter_option(const char *option, const char *text, int *beats, int *unit);
/* "OPTION VALUE: WANT (see PROGRAM --help)"; returns CLI_USAGE. */
int cli_bad_value(const char *option, const char *value, const char *want);

#endif
