/* A metre given on the command line ("3/4", "6/8") as the steps of its bar,
 * for the commands that feed a metre model positions without a MIDI file. */
#ifndef CANTUS_METER_ARG_H
#define CANTUS_METER_ARG_H

#include <stddef.h>

/* The steps in one bar of `text` (N/D: N notes of 1/D, D a power of two up
 * to 64) at steps_per_beat steps a quarter note: N * 4 * steps_per_beat / D.
 * Returns that, or -1 with one sentence in err when the text is not a metre,
 * its bar is not a whole number of steps, or it is longer than bar_steps
 * (the longest bar the model knows). */
int meter_arg_bar_steps(const char *text, int steps_per_beat, int bar_steps, char *err,
                        size_t err_size);

#endif
