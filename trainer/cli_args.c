#include "cli_args.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sampler.h"

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

bool cli_pitch_option(const char *option, const char *text, void *pitch)
{
    if (cli_parse_pitch(text, pitch)) return true;
    cli_bad_value(option, text, "wants a MIDI pitch, 0..127 or a name such as C4 = 60");
    return false;
}

const char *cli_scale_names(void)
{
    static char list[256];
    if (!list[0]) {
        size_t used = 0;
        for (int s = 0; s < CANTUS_SCALE_COUNT && used < sizeof list; s++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", s ? ", " : "",
                                     cantus_scale_name((CantusScale)s));
    }
    return list;
}

void cli_wrap_scale_names(char *text, size_t size, int column)
{
    size_t used = 0;
    int at = column;
    text[0] = '\0';
    for (int s = 0; s < CANTUS_SCALE_COUNT && used < size; s++) {
        const char *name = cantus_scale_name((CantusScale)s);
        const bool last = s + 1 == CANTUS_SCALE_COUNT;
        const int width = (int)strlen(name) + (last ? 0 : 1);
        const char *gap = at == column ? "" : " ";
        if (at + 1 + width > 80 && at > column) {
            gap = "\n";
            at = column;
        }
        const int n = snprintf(text + used, size - used, "%s%s%s", gap, name, last ? "" : ",");
        at += n - (gap[0] == '\n');
        used += (size_t)n;
    }
}
