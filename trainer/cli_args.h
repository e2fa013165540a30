/* Small helpers shared by the commands of cantus-train: numbers, pitch
 * names and option tables on the command line. */
#ifndef CANTUS_CLI_ARGS_H
#define CANTUS_CLI_ARGS_H

#include <stdbool.h>

/* A whole decimal number within lo..hi. */
bool cli_parse_int(const char *text, long lo, long hi, long *value);
/* A finite number within lo..hi. */
bool cli_parse_double(const char *text, double lo, double hi, double *value);
/* A MIDI pitch: 0..127, or a name such as C4, F#3, Bb5 (C4 = 60). */
bool cli_parse_pitch(const char *text, int *pitch);
/* "C4", "F#3"..., into name (at least 8 bytes). */
void cli_pitch_name(int pitch, char *name);

/* Reads the value of option argv[*i] (advancing *i); prints a usage error
 * naming the command and option and returns NULL when it is missing. */
const char *cli_value(const char *command, int argc, char **argv, int *i);

/* An option that only stores what it is given: a flag (sets an int to 1,
 * takes no value), a text, or a number within lo..hi. */
typedef enum { CLI_FLAG, CLI_TEXT, CLI_INT, CLI_LONG, CLI_DOUBLE } CliKind;
typedef struct {
    const char *name; /* e.g. "--hidden" */
    CliKind kind;
    double lo, hi;
    void *value; /* int * (FLAG, INT), const char ** (TEXT), long *, double * */
} CliOption;

/* The option of the table named `name`, or NULL. */
const CliOption *cli_find(const CliOption *options, int n_options, const char *name);
/* Stores an option's value: for a flag, sets it (text is not read); else
 * text, checked. Returns false after a usage error naming the command, the
 * option and what it wants. */
bool cli_store(const char *command, const CliOption *option, const char *text);

#endif
