#include "cli_args.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cli_parse_int(const char *text, long lo, long hi, long *value)
{
    if (!text || !*text) return false;
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || *end || v < lo || v > hi) return false;
    *value = v;
    return true;
}

bool cli_parse_double(const char *text, double lo, double hi, double *value)
{
    if (!text || !*text) return false;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || *end || !isfinite(v) || v < lo || v > hi) return false;
    *value = v;
    return true;
}

static const char *const names[12] = {"C",  "C#", "D",  "D#", "E",  "F",
                                      "F#", "G",  "G#", "A",  "A#", "B"};

void cli_pitch_name(int pitch, char *name)
{
    if (pitch < 0 || pitch > 127) {
        snprintf(name, 8, "?");
        return;
    }
    snprintf(name, 8, "%s%d", names[pitch % 12], pitch / 12 - 1);
}

bool cli_parse_pitch(const char *text, int *pitch)
{
    long number;
    if (cli_parse_int(text, 0, 127, &number)) {
        *pitch = (int)number;
        return true;
    }
    static const int letter_class[7] = {9, 11, 0, 2, 4, 5, 7}; /* A B C D E F G */
    if (!text || !*text) return false;
    int letter = toupper((unsigned char)text[0]);
    if (letter < 'A' || letter > 'G') return false;
    int pc = letter_class[letter - 'A'];
    const char *p = text + 1;
    if (*p == '#' || *p == 's') {
        pc++;
        p++;
    } else if (*p == 'b') {
        pc--;
        p++;
    }
    long octave;
    if (!cli_parse_int(p, -1, 9, &octave)) return false;
    long v = (octave + 1) * 12 + pc;
    if (v < 0 || v > 127) return false;
    *pitch = (int)v;
    return true;
}

const char *cli_value(const char *command, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "cantus-train %s: %s needs a value (see --help)\n", command, argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

const CliOption *cli_find(const CliOption *options, int n_options, const char *name)
{
    for (int k = 0; k < n_options; k++)
        if (!strcmp(options[k].name, name)) return &options[k];
    return NULL;
}

bool cli_store(const char *command, const CliOption *option, const char *text)
{
    long whole;
    switch (option->kind) {
    case CLI_FLAG:
        *(int *)option->value = 1;
        return true;
    case CLI_TEXT:
        *(const char **)option->value = text;
        return true;
    case CLI_INT:
    case CLI_LONG:
        if (!cli_parse_int(text, (long)option->lo, (long)option->hi, &whole)) {
            fprintf(stderr, "cantus-train %s: %s wants a whole number in %ld..%ld, not '%s'\n",
                    command, option->name, (long)option->lo, (long)option->hi, text);
            return false;
        }
        if (option->kind == CLI_INT)
            *(int *)option->value = (int)whole;
        else
            *(long *)option->value = whole;
        return true;
    case CLI_DOUBLE:
        if (!cli_parse_double(text, option->lo, option->hi, (double *)option->value)) {
            fprintf(stderr, "cantus-train %s: %s wants a number in %g..%g, not '%s'\n", command,
                    option->name, option->lo, option->hi, text);
            return false;
        }
        return true;
    }
    return false;
}
