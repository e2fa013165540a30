/* Parsing --meter (see meter_arg.h). */
#include "meter_arg.h"

#include <stdio.h>
#include <stdlib.h>

int meter_arg_bar_steps(const char *text, int steps_per_beat, int bar_steps, char *err,
                        size_t err_size)
{
    char *slash = NULL, *end = NULL;
    long n = strtol(text, &slash, 10);
    long d = slash && *slash == '/' ? strtol(slash + 1, &end, 10) : 0;
    if (slash == text || !end || end == slash + 1 || *end || n < 1 || n > 64 || d < 1 || d > 64 ||
        (d & (d - 1))) {
        snprintf(err, err_size, "--meter wants N/D such as 3/4 or 6/8 (D 1, 2, 4 ... 64), not '%s'",
                 text);
        return -1;
    }
    long quarters_times_d = n * 4 * steps_per_beat;
    if (quarters_times_d % d) {
        snprintf(err, err_size, "a bar of %s is not a whole number of steps at %d steps per beat",
                 text, steps_per_beat);
        return -1;
    }
    long steps = quarters_times_d / d;
    if (steps > bar_steps) {
        snprintf(err, err_size,
                 "a bar of %s is %ld steps, longer than the %d the model knows (cantus.bar_steps)",
                 text, steps, bar_steps);
        return -1;
    }
    return (int)steps;
}
