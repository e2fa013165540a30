/* Random transport scripts: what a host might do to the player over a few
 * minutes (start, stop, relocate, loop, tempo and meter changes, partial
 * positions, control changes, model swaps, panic), at random cycle sizes.
 * The property tests and the allocation test play the same scripts. */
#ifndef CANTUS_TESTS_PLUGIN_SCRIPT_H
#define CANTUS_TESTS_PLUGIN_SCRIPT_H

#include <stdint.h>

#include "rig.h"

typedef struct {
    uint64_t state;
} ScriptRng;

uint32_t script_next(ScriptRng *rng);
/* Uniform in [low, high]. */
int script_int(ScriptRng *rng, int low, int high);

/* Hooks around the parts of a cycle that run on the audio thread. */
typedef struct {
    void (*enter)(void *data);
    void (*leave)(void *data);
    void *data;
} ScriptHooks;

/* Plays `cycles` random cycles on the rig. Engines offered for swaps come
 * from `spare` (loaded beforehand, so nothing is loaded mid-cycle); retired
 * engines are collected back into it outside the hooks. */
void script_play(Rig *rig, ScriptRng *rng, int cycles, CantusEngine **spare, int spare_count,
                 const ScriptHooks *hooks);

#endif
