/* Command-line values of the trainer's commands: numbers (core/cli/cli.h) and
 * pitch names. */
#ifndef CANTUS_CLI_ARGS_H
#define CANTUS_CLI_ARGS_H

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"

/* A MIDI pitch: 0..127, or a name such as C4, F#3, Bb5 (C4 = 60). */
bool cli_parse_pitch(const char *text, int *pitch);
/* "C4", "F#3"..., into name (at least 8 bytes). */
void cli_pitch_name(int pitch, char *name);

/* The same as cli_parse_pitch, with the usage error printed when it is not
 * one: "--low X9: wants a MIDI pitch, 0..127 or a name such as C4 = 60". */
bool cli_pitch_option(const char *option, const char *text, int *pitch);

/* The scale names core accepts, "chromatic, major, minor, ...", for errors;
 * and the same list for a help text, wrapped at 80 columns, each line
 * indented by `indent` spaces. */
const char *cli_scale_names(void);
void cli_print_scale_names(FILE *out, int indent);

#endif
