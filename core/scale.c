/* The scale tables behind the `scale` control and cantus-train's --scale.
 * Each is a 12-bit set of pitch classes counted up from the key's tonic. */
#include <string.h>

#include "sampler.h"

#define PC(n) (1u << (n))

static const struct {
    const char *name;
    uint16_t pitch_classes;
} scales[CANTUS_SCALE_COUNT] = {
    [CANTUS_SCALE_CHROMATIC] = {"chromatic", 0xFFFu},
    [CANTUS_SCALE_MAJOR] = {"major", PC(0) | PC(2) | PC(4) | PC(5) | PC(7) | PC(9) | PC(11)},
    [CANTUS_SCALE_NATURAL_MINOR] = {"minor",
                                    PC(0) | PC(2) | PC(3) | PC(5) | PC(7) | PC(8) | PC(10)},
    [CANTUS_SCALE_HARMONIC_MINOR] = {"harmonic-minor",
                                     PC(0) | PC(2) | PC(3) | PC(5) | PC(7) | PC(8) | PC(11)},
    [CANTUS_SCALE_DORIAN] = {"dorian", PC(0) | PC(2) | PC(3) | PC(5) | PC(7) | PC(9) | PC(10)},
    [CANTUS_SCALE_MIXOLYDIAN] = {"mixolydian",
                                 PC(0) | PC(2) | PC(4) | PC(5) | PC(7) | PC(9) | PC(10)},
    [CANTUS_SCALE_MAJOR_PENTATONIC] = {"major-pentatonic", PC(0) | PC(2) | PC(4) | PC(7) | PC(9)},
    [CANTUS_SCALE_MINOR_PENTATONIC] = {"minor-pentatonic", PC(0) | PC(3) | PC(5) | PC(7) | PC(10)},
    [CANTUS_SCALE_BLUES] = {"blues", PC(0) | PC(3) | PC(5) | PC(6) | PC(7) | PC(10)},
};

uint16_t cantus_scale_pitch_classes(CantusScale scale)
{
    if ((int)scale < 0 || scale >= CANTUS_SCALE_COUNT)
        return scales[CANTUS_SCALE_CHROMATIC].pitch_classes;
    return scales[scale].pitch_classes;
}

const char *cantus_scale_name(CantusScale scale)
{
    if ((int)scale < 0 || scale >= CANTUS_SCALE_COUNT) return NULL;
    return scales[scale].name;
}

int cantus_scale_from_name(const char *name)
{
    if (!name) return -1;
    for (int s = 0; s < CANTUS_SCALE_COUNT; s++)
        if (strcmp(name, scales[s].name) == 0) return s;
    /* The long spelling people type as often as the short one. */
    if (strcmp(name, "natural-minor") == 0) return CANTUS_SCALE_NATURAL_MINOR;
    return -1;
}
