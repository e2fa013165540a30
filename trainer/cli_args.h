/* Command-line values of the trainer's commands: numbers (core/cli/cli.h) and
 * pitch names. */
#ifndef CANTUS_CLI_ARGS_H
#define CANTUS_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

/* A MIDI pitch: 0..127, or a name such as C4, F#3, Bb5 (C4 = 60). */
bool cli_parse_pitch(const char *text, int *pitch);
/* "C4", "F#3"..., into name (at least 8 bytes). */
void cli_pitch_name(int pitch, char *name);

/* The same as cli_parse_pitch into an int, with the usage error printed
 * when it is not one: "--low X9: wants a MIDI pitch, 0..127 or a name such
 * as C4 = 60"; a CliParse for a row's field. */
bool cli_pitch_option(const char *option, const char *text, void *pitch);

/* The scale names core accepts, "chromatic, major, minor, ...", for errors;
 * and the same list into text for a help that starts its lines at `column`,
 * a '\n' where a line would pass 80 columns. */
const char *cli_scale_names(void);
void cli_wrap_scale_names(char *text, size_t size, int column);

#endif
