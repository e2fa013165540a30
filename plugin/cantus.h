/* One plugin instance, shared by the files that implement its LV2
 * interfaces: cantus.c (the descriptor and run), worker.c (loading and
 * freeing models off the audio thread) and state.c (save and restore). */
#ifndef CANTUS_PLUGIN_CANTUS_H
#define CANTUS_PLUGIN_CANTUS_H

#include <stdbool.h>
#include <stdint.h>

#include <lv2/atom/forge.h>
#include <lv2/core/lv2.h>
#include <lv2/log/logger.h>
#include <lv2/worker/worker.h>

#include "controls.h"
#include "display.h"
#include "player.h"
#include "uris.h"

/* The longest model path the plugin takes (a patch:Set body). */
#define CANTUS_MAX_PATH 4096

typedef struct {
    LV2_URID_Map *map;
    LV2_Worker_Schedule *schedule;
    LV2_Log_Logger logger;
    CantusURIs uris;
    LV2_Atom_Forge forge;
    bool forge_ready; /* the forge writes into this cycle's output */
    uint32_t cycle_frames;

    const LV2_Atom_Sequence *control;
    LV2_Atom_Sequence *notify;
    const float *controls[CANTUS_PORT_COUNT];
    float *model_status; /* the output control port, or NULL */

    /* <bundle>/default.safetensors: what plays at instantiate, and what
     * stands in for a restored model whose file is missing or broken. */
    char *default_path;

    CantusPlayer player;
    int64_t cycle_start; /* the player's frame at the start of this cycle */
    bool activated;
    bool panic_armed; /* the panic trigger went back to 0 since it fired */

    /* The inline display: run() publishes the notes it plays, render()
     * draws them (display.h). */
    CantusDisplay display;
    bool model_changed; /* the model playing changed: tell the display */

    /* Notes still sounding when the host deactivated us: their note-offs
     * go out at the start of the next cycle, the first chance there is. */
    CantusNoteTable stale;
} Cantus;

/* Sends a model path to the worker to be loaded (from run() or restore). */
bool cantus_schedule_load(Cantus *self, LV2_Worker_Schedule *schedule, const char *path,
                          uint32_t path_len);

/* Loads a model here and now (instantiate, restore while inactive). */
CantusEngine *cantus_load_now(Cantus *self, const char *path);

/* The same for a model a session or preset asks for: when its file is
 * missing or broken the bundle's default stands in for it (status
 * CANTUS_MODEL_MISSING or _BROKEN, saved and announced as `path`), and one
 * line in the log says so. NULL only when the default cannot load either. */
CantusEngine *cantus_load_or_stand_in(Cantus *self, const char *path);

#endif
