/* Loading and running the plugin: the lilv world, the plugin found by URI,
 * its instance with the host's features, its ports connected to buffers the
 * host owns, and the cycle itself (input sequence in, run(), worker
 * serviced, output sequence read). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/atom.h>
#include <lv2/core/lv2.h>

#include "host_internal.h"

#define DEFAULT_URI     "urn:cantus:generator"
#define ATOM_CAPACITY   (1u << 16)
#define EVENTS_CAPACITY 4096u
#define PATHS_CAPACITY  (1u << 16)

static void fail(char *err, size_t err_size, const char *fmt, const char *arg)
{
    if (err && err_size) snprintf(err, err_size, fmt, arg);
}

static bool load_plugin(CantusHost *host, const CantusHostConfig *config, char *err,
                        size_t err_size)
{
    host->world = lilv_world_new();
    if (!host->world) return false;
    if (config->bundle_dir) {
        /* A bundle URI is a directory URI with its trailing slash. */
        size_t len = strlen(config->bundle_dir);
        char *dir = malloc(len + 2);
        if (!dir) return false;
        memcpy(dir, config->bundle_dir, len + 1);
        if (len == 0 || dir[len - 1] != '/') strcat(dir, "/");
        LilvNode *bundle = lilv_new_file_uri(host->world, NULL, dir);
        free(dir);
        if (!bundle) return false;
        lilv_world_load_bundle(host->world, bundle);
        lilv_node_free(bundle);
    } else {
        lilv_world_load_all(host->world);
    }
    const char *uri = config->plugin_uri ? config->plugin_uri : DEFAULT_URI;
    LilvNode *node = lilv_new_uri(host->world, uri);
    host->plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(host->world), node);
    lilv_node_free(node);
    if (!host->plugin) {
        fail(err, err_size, "no LV2 plugin <%s> found (is its bundle on LV2_PATH?)", uri);
        return false;
    }
    return true;
}

static bool setup_ports(CantusHost *host, char *err, size_t err_size)
{
    LilvWorld *w = host->world;
    LilvNode *control = lilv_new_uri(w, LV2_CORE__ControlPort);
    LilvNode *atom = lilv_new_uri(w, LV2_ATOM__AtomPort);
    LilvNode *audio = lilv_new_uri(w, LV2_CORE__AudioPort);
    LilvNode *cv = lilv_new_uri(w, LV2_CORE__CVPort);
    LilvNode *input = lilv_new_uri(w, LV2_CORE__InputPort);
    LilvNode *designation = lilv_new_uri(w, LV2_CORE__control);
    LilvNode *designation_pred = lilv_new_uri(w, LV2_CORE__designation);

    host->n_ports = lilv_plugin_get_num_ports(host->plugin);
    host->ports = calloc(host->n_ports ? host->n_ports : 1, sizeof(*host->ports));
    host->controls = calloc(host->n_ports ? host->n_ports : 1, sizeof(float));
    float *defaults = calloc(host->n_ports ? host->n_ports : 1, sizeof(float));
    host->control_in = UINT32_MAX;
    host->events_out = UINT32_MAX;
    bool ok = host->ports && host->controls && defaults;
    if (ok) lilv_plugin_get_port_ranges_float(host->plugin, NULL, NULL, defaults);
    for (uint32_t i = 0; ok && i < host->n_ports; ++i) {
        const LilvPort *port = lilv_plugin_get_port_by_index(host->plugin, i);
        HostPortInfo *info = &host->ports[i];
        info->symbol = lilv_node_as_string(lilv_port_get_symbol(host->plugin, port));
        info->input = lilv_port_is_a(host->plugin, port, input);
        if (lilv_port_is_a(host->plugin, port, control)) {
            info->kind = HOST_PORT_CONTROL;
            host->controls[i] = isnan(defaults[i]) ? 0.0f : defaults[i];
        } else if (lilv_port_is_a(host->plugin, port, atom)) {
            info->kind = HOST_PORT_ATOM;
            if (info->input) {
                LilvNodes *d = lilv_port_get_value(host->plugin, port, designation_pred);
                bool designated = d && lilv_nodes_contains(d, designation);
                lilv_nodes_free(d);
                if (host->control_in == UINT32_MAX || designated) host->control_in = i;
            } else if (host->events_out == UINT32_MAX) {
                host->events_out = i;
            }
        } else if (lilv_port_is_a(host->plugin, port, audio) ||
                   lilv_port_is_a(host->plugin, port, cv)) {
            info->kind = HOST_PORT_AUDIO;
        } else {
            info->kind = HOST_PORT_UNKNOWN;
        }
    }
    free(defaults);
    lilv_node_free(control);
    lilv_node_free(atom);
    lilv_node_free(audio);
    lilv_node_free(cv);
    lilv_node_free(input);
    lilv_node_free(designation);
    lilv_node_free(designation_pred);
    if (ok && host->control_in == UINT32_MAX) {
        fail(err, err_size, "plugin <%s> has no atom input port",
             lilv_node_as_uri(lilv_plugin_get_uri(host->plugin)));
        return false;
    }
    return ok;
}

static void connect_ports(CantusHost *host)
{
    for (uint32_t i = 0; i < host->n_ports; ++i) {
        void *buffer = NULL;
        switch (host->ports[i].kind) {
        case HOST_PORT_CONTROL:
            buffer = &host->controls[i];
            break;
        case HOST_PORT_ATOM:
            buffer = i == host->control_in   ? (void *)host->in_buffer
                     : i == host->events_out ? (void *)host->out_buffer
                                             : (void *)host->spare_atom;
            break;
        case HOST_PORT_AUDIO:
            buffer = host->silence;
            break;
        default:
            break;
        }
        lilv_instance_connect_port(host->instance, i, buffer);
    }
}

/* A piece's size in the buffers' block: rounded up so that the next piece
 * starts 16-byte aligned, as calloc's block does. */
static size_t piece_size(size_t size)
{
    return (size + 15) & ~(size_t)15;
}

static unsigned char *carve(unsigned char **block, size_t size)
{
    unsigned char *piece = *block;
    *block += piece_size(size);
    return piece;
}

static bool allocate_buffers(CantusHost *host)
{
    host->atom_capacity = ATOM_CAPACITY;
    host->cap_events = EVENTS_CAPACITY;
    host->paths_cap = PATHS_CAPACITY;
    const size_t sizes[] = {host->block_length * sizeof(float),
                            host->atom_capacity,
                            host->atom_capacity,
                            host->atom_capacity,
                            host->cap_events * sizeof(CantusEvent),
                            host->paths_cap};
    size_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        total += piece_size(sizes[i]);
    unsigned char *block = host->buffers = calloc(1, total);
    if (!block) return false;
    /* Atom buffers are 8-byte aligned, as the atom spec asks; all start zeroed. */
    host->silence = (float *)carve(&block, sizes[0]);
    host->in_buffer = carve(&block, sizes[1]);
    host->out_buffer = carve(&block, sizes[2]);
    host->spare_atom = carve(&block, sizes[3]);
    host->events = (CantusEvent *)carve(&block, sizes[4]);
    host->paths = (char *)carve(&block, sizes[5]);
    return true;
}

CantusHost *cantus_host_new(const CantusHostConfig *config, char *err, size_t err_size)
{
    CantusHostConfig defaults = {0};
    if (!config) config = &defaults;
    CantusHost *host = calloc(1, sizeof(*host));
    if (!host) return NULL;
    host->sample_rate = config->sample_rate > 0 ? config->sample_rate : 48000.0;
    host->block_length = config->block_length ? config->block_length : 8192;
    host->log_to_stderr = config->log_to_stderr;
    atomic_init(&host->log_written, 0);
    fail(err, err_size, "%s", "out of memory setting up the host");

    if (!allocate_buffers(host) || host_features_init(host, config->restore_without_worker) ||
        host_worker_init(&host->worker, host, config->worker)) {
        cantus_host_free(host);
        return NULL;
    }
    if (!load_plugin(host, config, err, err_size) || !setup_ports(host, err, err_size)) {
        cantus_host_free(host);
        return NULL;
    }
    host->instance = lilv_plugin_instantiate(host->plugin, host->sample_rate, host->features);
    if (!host->instance) {
        fail(err, err_size, "plugin <%s> failed to instantiate",
             lilv_node_as_uri(lilv_plugin_get_uri(host->plugin)));
        cantus_host_free(host);
        return NULL;
    }
    host_worker_attach(&host->worker,
                       lilv_instance_get_extension_data(host->instance, LV2_WORKER__interface),
                       lilv_instance_get_handle(host->instance));
    connect_ports(host);
    lv2_atom_forge_init(&host->forge, &host->map);
    host_sequence_reset(host);
    if (err && err_size) err[0] = '\0';
    return host;
}

void cantus_host_free(CantusHost *host)
{
    if (!host) return;
    /* Answers still on their way (a model loaded, a state restored) reach
     * the plugin, which then owns what they carry and frees it in cleanup;
     * then the worker stops before the instance goes: work() must not run
     * on a freed plugin. */
    if (host->instance && host->worker.iface) {
        host->worker.delay = 0;
        host->worker.held = 0;
        /* An answer can make the plugin schedule more work (an engine it
         * replaced, sent back to be freed), so requests and answers are
         * served until both are spent: two rounds suffice, as freeing
         * answers nothing; four leave room. */
        for (int round = 0; round < 4; round++) {
            host_worker_drain(&host->worker);
            host_worker_do_deferred(&host->worker);
            host_worker_emit_responses(&host->worker);
        }
    }
    host_worker_stop(&host->worker);
    if (host->instance) {
        if (host->active) lilv_instance_deactivate(host->instance);
        lilv_instance_free(host->instance);
    }
    host_worker_destroy(&host->worker);
    if (host->world) lilv_world_free(host->world);
    if (host->uris) host_features_destroy(host);
    free(host->ports);
    free(host->controls);
    free(host->buffers);
    free(host);
}

LilvWorld *cantus_host_world(CantusHost *host)
{
    return host->world;
}

const LilvPlugin *cantus_host_plugin(CantusHost *host)
{
    return host->plugin;
}

LilvInstance *cantus_host_instance(CantusHost *host)
{
    return host->instance;
}

double cantus_host_sample_rate(const CantusHost *host)
{
    return host->sample_rate;
}

uint32_t cantus_host_block_length(const CantusHost *host)
{
    return host->block_length;
}

LV2_URID cantus_host_map(CantusHost *host, const char *uri)
{
    return host->map.map(host->map.handle, uri);
}

const char *cantus_host_unmap(CantusHost *host, LV2_URID urid)
{
    return host->unmap.unmap(host->unmap.handle, urid);
}

void cantus_host_activate(CantusHost *host)
{
    if (host->active) return;
    lilv_instance_activate(host->instance);
    host->active = true;
}

void cantus_host_deactivate(CantusHost *host)
{
    if (!host->active) return;
    lilv_instance_deactivate(host->instance);
    host->active = false;
}

bool cantus_host_is_active(const CantusHost *host)
{
    return host->active;
}

static int find_port(const CantusHost *host, const char *symbol)
{
    for (uint32_t i = 0; i < host->n_ports; ++i)
        if (host->ports[i].symbol && !strcmp(host->ports[i].symbol, symbol)) return (int)i;
    return -1;
}

bool cantus_host_set_control(CantusHost *host, const char *symbol, float value)
{
    int i = find_port(host, symbol);
    if (i < 0 || host->ports[i].kind != HOST_PORT_CONTROL || !host->ports[i].input) return false;
    host->controls[i] = value;
    return true;
}

float cantus_host_get_control(const CantusHost *host, const char *symbol)
{
    int i = find_port(host, symbol);
    if (i < 0 || host->ports[i].kind != HOST_PORT_CONTROL) return NAN;
    return host->controls[i];
}

uint32_t cantus_host_run(CantusHost *host, uint32_t nframes)
{
    if (nframes == 0 || nframes > host->block_length) return 0;
    host_output_prepare(host);
    host_rt_enter(host);
    lilv_instance_run(host->instance, nframes);
    host_rt_leave(host);
    host_output_parse(host, nframes);
    host_worker_do_deferred(&host->worker);
    host_rt_enter(host);
    host_worker_emit_responses(&host->worker);
    host_rt_leave(host);
    host->frame += nframes;
    host_sequence_reset(host);
    return host->n_events;
}

const CantusEvent *cantus_host_event(const CantusHost *host, uint32_t index)
{
    return index < host->n_events ? &host->events[index] : NULL;
}

int64_t cantus_host_frame(const CantusHost *host)
{
    return host->frame;
}

void cantus_host_set_rt_hooks(CantusHost *host, CantusHostRtHook enter, CantusHostRtHook leave,
                              void *data)
{
    host->rt_enter = enter;
    host->rt_leave = leave;
    host->rt_data = data;
}

void cantus_host_set_worker_delay(CantusHost *host, unsigned cycles)
{
    host->worker.delay = cycles;
}

void cantus_host_worker_drain(CantusHost *host)
{
    host_worker_drain(&host->worker);
}

unsigned cantus_host_worker_jobs(const CantusHost *host)
{
    return atomic_load(&((CantusHost *)host)->worker.done);
}

unsigned cantus_host_log_count(const CantusHost *host)
{
    unsigned written = atomic_load(&((CantusHost *)host)->log_written) - host->log_cleared;
    return written < CANTUS_HOST_LOG_LINES ? written : CANTUS_HOST_LOG_LINES;
}

static unsigned log_slot(const CantusHost *host, unsigned index)
{
    unsigned written = atomic_load(&((CantusHost *)host)->log_written);
    unsigned first = written - cantus_host_log_count(host);
    return (first + index) % CANTUS_HOST_LOG_LINES;
}

const char *cantus_host_log_line(const CantusHost *host, unsigned index)
{
    if (index >= cantus_host_log_count(host)) return NULL;
    return host->log_lines[log_slot(host, index)];
}

const char *cantus_host_log_type(const CantusHost *host, unsigned index)
{
    if (index >= cantus_host_log_count(host)) return NULL;
    return cantus_host_unmap((CantusHost *)host, host->log_types[log_slot(host, index)]);
}

void cantus_host_log_clear(CantusHost *host)
{
    host->log_cleared = atomic_load(&host->log_written);
}
