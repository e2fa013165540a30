/* Saving and restoring the model path; see state.h. */
#include "state.h"

#include <stdlib.h>
#include <string.h>

#include <lv2/core/lv2_util.h>

#include "worker.h"

/* A path the host made for us goes back through state:freePath when it
 * offers one (the host may not share our malloc). */
static void free_host_path(LV2_State_Free_Path *free_path, char *path)
{
    if (free_path)
        free_path->free_path(free_path->handle, path);
    else
        free(path);
}

LV2_State_Status cantus_save(LV2_Handle instance, LV2_State_Store_Function store,
                             LV2_State_Handle handle, uint32_t flags,
                             const LV2_Feature *const *features)
{
    (void)flags;
    Cantus *self = (Cantus *)instance;
    /* The model that will be playing: one waiting for its step counts. */
    const CantusEngine *engine = self->player.pending ? self->player.pending : self->player.engine;
    if (!engine) return LV2_STATE_SUCCESS;

    LV2_State_Map_Path *map_path = NULL;
    LV2_State_Free_Path *free_path = NULL;
    lv2_features_query(features, LV2_STATE__mapPath, &map_path, false, LV2_STATE__freePath,
                       &free_path, false, NULL);

    char *abstract = map_path ? map_path->abstract_path(map_path->handle, engine->path) : NULL;
    const char *value = abstract ? abstract : engine->path;
    const LV2_State_Status status =
        store(handle, self->uris.cantus_model, value, strlen(value) + 1, self->uris.atom_Path,
              LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
    if (abstract) free_host_path(free_path, abstract);
    return status;
}

LV2_State_Status cantus_restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve,
                                LV2_State_Handle handle, uint32_t flags,
                                const LV2_Feature *const *features)
{
    (void)flags;
    Cantus *self = (Cantus *)instance;
    size_t size = 0;
    uint32_t type = 0;
    uint32_t value_flags = 0;
    const char *value = retrieve(handle, self->uris.cantus_model, &size, &type, &value_flags);
    if (!value) return LV2_STATE_SUCCESS; /* a state without a model keeps ours */
    if (type != self->uris.atom_Path || size == 0 || value[size - 1] != '\0') {
        lv2_log_error(&self->logger, "cantus: the saved model is not a path\n");
        return LV2_STATE_ERR_BAD_TYPE;
    }

    LV2_State_Map_Path *map_path = NULL;
    LV2_State_Free_Path *free_path = NULL;
    lv2_features_query(features, LV2_STATE__mapPath, &map_path, false, LV2_STATE__freePath,
                       &free_path, false, NULL);

    char *absolute = map_path ? map_path->absolute_path(map_path->handle, value) : NULL;
    const char *path = absolute ? absolute : value;

    /* Loaded right here, active or not. restore() is in the instantiation
     * class: run() is not running, so this is no real-time thread. The
     * work:schedule a host may pass to restore() is not used: jalv 1.6.6
     * passes one it has not set up unless the plugin declares
     * state:threadSafeRestore, and calling it crashed jalv (regression
     * test: test_restore_while_active_loads_at_once in
     * tests/plugin/test_descriptor.c counts the calls). */
    /* A missing or broken file does not lose the session's choice: the
     * default plays in its place, saved under the path asked for, so the
     * model comes back when the session is reopened with the file there. */
    LV2_State_Status status = LV2_STATE_SUCCESS;
    CantusEngine *engine = cantus_load_or_stand_in(self, path);
    if (!engine) {
        status = LV2_STATE_ERR_UNKNOWN;
    } else if (self->activated) {
        /* Notes may sound: the swap waits for a step, as a worker answer
         * does. */
        engine_free(player_offer_engine(&self->player, engine));
    } else {
        engine_free(player_replace_engine(&self->player, engine));
    }
    if (absolute) free_host_path(free_path, absolute);
    return status;
}
