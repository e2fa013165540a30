/* Small helpers shared by the tokens, logits and generate commands: numbers
 * and pitch names on the command line. */
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

#endif
