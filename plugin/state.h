/* The state extension: the model file is saved as a path the host can map
 * (state:mapPath), so a session moved elsewhere still finds it, and
 * restored synchronously while inactive (Carla restores before activate)
 * or through the worker while active. */
#ifndef CANTUS_PLUGIN_STATE_H
#define CANTUS_PLUGIN_STATE_H

#include <lv2/state/state.h>

#include "cantus.h"

LV2_State_Status cantus_save(LV2_Handle instance, LV2_State_Store_Function store,
                             LV2_State_Handle handle, uint32_t flags,
                             const LV2_Feature *const *features);

LV2_State_Status cantus_restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve,
                                LV2_State_Handle handle, uint32_t flags,
                                const LV2_Feature *const *features);

#endif
