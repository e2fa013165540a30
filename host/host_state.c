/* Presets and state through lilv's state API, the way jalv and Carla do it:
 * a preset is a pset:Preset resource read with lilv_state_new_from_world; a
 * saved state is lilv_state_new_from_instance written with lilv_state_save;
 * both go back into the plugin with lilv_state_restore, which sets the
 * control ports and calls the plugin's state:interface restore(). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lv2/atom/atom.h>
#include <lv2/presets/presets.h>

#include "host_internal.h"

static const char *last_segment(const char *uri)
{
    const char *cut = strrchr(uri, '/');
    const char *hash = strrchr(uri, '#');
    const char *colon = strrchr(uri, ':');
    if (hash > cut) cut = hash;
    if (!cut || colon > cut) cut = colon;
    return cut ? cut + 1 : uri;
}

/* A preset file's last segment is usually "<name>.ttl"; names match without it. */
static bool name_matches(const char *name, const char *uri, const char *label)
{
    if (!strcmp(name, uri)) return true;
    if (label && !strcasecmp(name, label)) return true;
    const char *seg = last_segment(uri);
    size_t n = strlen(name);
    return !strncasecmp(seg, name, n) && (seg[n] == '\0' || !strcmp(seg + n, ".ttl"));
}

static int by_uri(const void *a, const void *b)
{
    return strcmp(((const CantusPreset *)a)->uri, ((const CantusPreset *)b)->uri);
}

int cantus_host_presets(CantusHost *host, CantusPreset **out)
{
    LilvWorld *w = host->world;
    LilvNode *preset_class = lilv_new_uri(w, LV2_PRESETS__Preset);
    LilvNode *label_pred = lilv_new_uri(w, LILV_NS_RDFS "label");
    LilvNodes *presets = lilv_plugin_get_related(host->plugin, preset_class);
    int count = 0;
    *out = calloc(presets ? lilv_nodes_size(presets) + 1 : 1, sizeof(CantusPreset));
    LILV_FOREACH(nodes, i, presets)
    {
        if (!*out) break;
        const LilvNode *preset = lilv_nodes_get(presets, i);
        lilv_world_load_resource(w, preset);
        LilvNode *label = lilv_world_get(w, preset, label_pred, NULL);
        const char *uri = lilv_node_as_uri(preset);
        (*out)[count].uri = strdup(uri);
        (*out)[count].label = strdup(label ? lilv_node_as_string(label) : last_segment(uri));
        lilv_node_free(label);
        ++count;
    }
    lilv_nodes_free(presets);
    lilv_node_free(label_pred);
    lilv_node_free(preset_class);
    /* lilv lists them in the order of its index, which follows node
     * addresses and so changes from run to run: a fuzz input that loads
     * "preset 3" must load the same one every time. */
    if (*out) qsort(*out, (size_t)count, sizeof(CantusPreset), by_uri);
    return count;
}

void cantus_host_presets_free(CantusPreset *presets, int count)
{
    for (int i = 0; presets && i < count; ++i) {
        free(presets[i].uri);
        free(presets[i].label);
    }
    free(presets);
}

/* lilv hands each saved port value here; controls are Floats. */
static void set_port_value(const char *symbol, void *user_data, const void *value, uint32_t size,
                           uint32_t type)
{
    CantusHost *host = user_data;
    float v;
    if (type == host->uri.atom_Float && size == sizeof(float))
        v = *(const float *)value;
    else if (type == host->uri.atom_Double && size == sizeof(double))
        v = (float)*(const double *)value;
    else if (type == host->uri.atom_Int && size == sizeof(int32_t))
        v = (float)*(const int32_t *)value;
    else if (type == host->uri.atom_Long && size == sizeof(int64_t))
        v = (float)*(const int64_t *)value;
    else
        return;
    cantus_host_set_control(host, symbol, v);
}

static const void *get_port_value(const char *symbol, void *user_data, uint32_t *size,
                                  uint32_t *type)
{
    CantusHost *host = user_data;
    for (uint32_t i = 0; i < host->n_ports; ++i) {
        if (host->ports[i].kind == HOST_PORT_CONTROL && host->ports[i].input &&
            !strcmp(host->ports[i].symbol, symbol)) {
            *size = sizeof(float);
            *type = host->uri.atom_Float;
            return &host->controls[i];
        }
    }
    *size = 0;
    *type = 0;
    return NULL;
}

/* The plugin may schedule work from restore() when it is active; this host
 * calls restore between cycles, as jalv does after pausing its process. */
void cantus_host_restore(CantusHost *host, const LilvState *state)
{
    lilv_state_restore(state, host->instance, set_port_value, host, 0, host->restore_features);
}

bool cantus_host_load_preset(CantusHost *host, const char *name, char *err, size_t err_size)
{
    CantusPreset *presets = NULL;
    int count = cantus_host_presets(host, &presets);
    const char *uri = NULL;
    for (int i = 0; i < count && !uri; ++i)
        if (name_matches(name, presets[i].uri, presets[i].label)) uri = presets[i].uri;
    bool ok = false;
    if (!uri) {
        if (err) snprintf(err, err_size, "no preset named \"%s\" (try --list-presets)", name);
    } else {
        LilvNode *node = lilv_new_uri(host->world, uri);
        LilvState *state = lilv_state_new_from_world(host->world, &host->map, node);
        lilv_node_free(node);
        if (!state) {
            if (err) snprintf(err, err_size, "preset <%s> could not be read by lilv", uri);
        } else {
            cantus_host_restore(host, state);
            lilv_state_free(state);
            ok = true;
        }
    }
    cantus_host_presets_free(presets, count);
    return ok;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    if (path) snprintf(path, n, "%s/%s", dir, name);
    return path;
}

bool cantus_host_save_state(CantusHost *host, const char *dir, const char *scratch_dir, char *err,
                            size_t err_size)
{
    LilvState *state = lilv_state_new_from_instance(
        host->plugin, host->instance, &host->map, scratch_dir, dir, dir, dir, get_port_value, host,
        LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, host->features);
    if (!state) {
        if (err) snprintf(err, err_size, "lilv could not take the plugin's state into %s", dir);
        return false;
    }
    int rc = lilv_state_save(host->world, &host->map, &host->unmap, state, NULL, dir, "state.ttl");
    lilv_state_free(state);
    if (rc) {
        if (err) snprintf(err, err_size, "lilv could not write %s/state.ttl", dir);
        return false;
    }
    return true;
}

bool cantus_host_restore_state(CantusHost *host, const char *dir, char *err, size_t err_size)
{
    char *path = join(dir, "state.ttl");
    LilvState *state = path ? lilv_state_new_from_file(host->world, &host->map, NULL, path) : NULL;
    if (!state) {
        if (err) snprintf(err, err_size, "lilv could not read the state in %s", path ? path : dir);
        free(path);
        return false;
    }
    free(path);
    cantus_host_restore(host, state);
    lilv_state_free(state);
    return true;
}
