/* The model file as a parameter: reading patch:Set / patch:Get of
 * cantus:model and writing the patch:Set that announces the model in use.
 *
 * Real-time class: real-time safe (the forge writes into the host's buffer).
 */
#ifndef CANTUS_PLUGIN_PATCH_H
#define CANTUS_PLUGIN_PATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>

#include "uris.h"

/* The path of a patch:Set of cantus:model (an atom:Path, or a string a
 * host sent instead), NULL for any other message. */
const LV2_Atom *patch_model_set_value(const CantusURIs *uris, const LV2_Atom_Object *object);

/* A patch:Get of cantus:model, or of everything (no patch:property). */
bool patch_is_model_get(const CantusURIs *uris, const LV2_Atom_Object *object);

/* patch:Set cantus:model <path> at `offset`; false when the buffer is full. */
bool patch_write_model(LV2_Atom_Forge *forge, const CantusURIs *uris, uint32_t offset,
                       const char *path, uint32_t path_len);

#endif
