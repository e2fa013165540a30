/* patch:Set and patch:Get of the model; see patch.h. */
#include "patch.h"

static bool is_object(const CantusURIs *uris, const LV2_Atom_Object *object)
{
    return object->atom.type == uris->atom_Object || object->atom.type == uris->atom_Blank ||
           object->atom.type == uris->atom_Resource;
}

const LV2_Atom *patch_model_set_value(const CantusURIs *uris, const LV2_Atom_Object *object)
{
    if (!is_object(uris, object) || object->body.otype != uris->patch_Set) return NULL;
    const LV2_Atom *property = NULL;
    const LV2_Atom *value = NULL;
    lv2_atom_object_get(object, uris->patch_property, &property, uris->patch_value, &value, 0);
    if (!property || property->type != uris->atom_URID ||
        ((const LV2_Atom_URID *)property)->body != uris->cantus_model)
        return NULL;
    if (!value || value->size == 0 || value->size > 4096) return NULL;
    /* The body must be a terminated string before anyone reads it. */
    const char *body = (const char *)LV2_ATOM_BODY_CONST(value);
    if (body[value->size - 1] != '\0') return NULL;
    return value;
}

bool patch_is_model_get(const CantusURIs *uris, const LV2_Atom_Object *object)
{
    if (!is_object(uris, object) || object->body.otype != uris->patch_Get) return false;
    const LV2_Atom *property = NULL;
    lv2_atom_object_get(object, uris->patch_property, &property, 0);
    if (!property) return true;
    return property->type == uris->atom_URID &&
           ((const LV2_Atom_URID *)property)->body == uris->cantus_model;
}

bool patch_write_model(LV2_Atom_Forge *forge, const CantusURIs *uris, uint32_t offset,
                       const char *path, uint32_t path_len)
{
    LV2_Atom_Forge_Frame frame;
    if (!lv2_atom_forge_frame_time(forge, offset) ||
        !lv2_atom_forge_object(forge, &frame, 0, uris->patch_Set))
        return false;
    lv2_atom_forge_key(forge, uris->patch_property);
    lv2_atom_forge_urid(forge, uris->cantus_model);
    lv2_atom_forge_key(forge, uris->patch_value);
    const bool written = lv2_atom_forge_path(forge, path, path_len) != 0;
    lv2_atom_forge_pop(forge, &frame);
    return written;
}
