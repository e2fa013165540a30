/* The features a host hands the plugin at instantiate: urid:map and unmap,
 * log:log, options (sample rate and buf-size block lengths), work:schedule,
 * state:freePath, the two promises hardRTCapable and coarseBlockLength, and
 * Ardour's inline display queue_draw.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/midi/midi.h>
#include <lv2/parameters/parameters.h>
#include <lv2/patch/patch.h>
#include <lv2/time/time.h>

#include "host_internal.h"

/* URID 0 is reserved, so the table's index i holds URID i + 1. */
static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
    CantusHost *host = handle;
    LV2_URID id = 0;
    pthread_mutex_lock(&host->map_lock);
    for (uint32_t i = 0; i < host->n_uris; ++i) {
        if (!strcmp(host->uris[i], uri)) {
            id = i + 1;
            break;
        }
    }
    if (!id) {
        if (host->n_uris == host->cap_uris) {
            uint32_t cap = host->cap_uris ? host->cap_uris * 2 : 64;
            char **grown = realloc(host->uris, cap * sizeof(*grown));
            if (grown) {
                host->uris = grown;
                host->cap_uris = cap;
            }
        }
        char *copy = host->n_uris < host->cap_uris ? strdup(uri) : NULL;
        if (copy) {
            host->uris[host->n_uris++] = copy;
            id = host->n_uris;
        }
    }
    pthread_mutex_unlock(&host->map_lock);
    return id;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle handle, LV2_URID urid)
{
    CantusHost *host = handle;
    const char *uri = NULL;
    pthread_mutex_lock(&host->map_lock);
    if (urid > 0 && urid <= host->n_uris) uri = host->uris[urid - 1];
    pthread_mutex_unlock(&host->map_lock);
    return uri;
}

/* Lines go into a fixed ring, so a plugin that logs from run() costs a
 * vsnprintf and no allocation or lock. The slot is claimed atomically
 * because the worker thread may log at the same time as run(). */
static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, va_list ap)
{
    CantusHost *host = handle;
    if (!fmt) return 0;
    unsigned n = atomic_fetch_add(&host->log_written, 1);
    unsigned slot = n % CANTUS_HOST_LOG_LINES;
    va_list copy;
    va_copy(copy, ap);
    int len = vsnprintf(host->log_lines[slot], CANTUS_HOST_LOG_SIZE, fmt, ap);
    host->log_types[slot] = type;
    /* A line is one line: drop the trailing newline plugins add. */
    size_t end = strlen(host->log_lines[slot]);
    while (end && host->log_lines[slot][end - 1] == '\n')
        host->log_lines[slot][--end] = '\0';
    if (host->log_to_stderr) {
        const char *kind = type == host->uri.log_Error     ? "error"
                           : type == host->uri.log_Warning ? "warning"
                           : type == host->uri.log_Trace   ? "trace"
                                                           : "note";
        fprintf(stderr, "plugin %s: ", kind);
        vfprintf(stderr, fmt, copy);
        if (!end || fmt[strlen(fmt) - 1] != '\n') fputc('\n', stderr);
    }
    va_end(copy);
    return len;
}

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = log_vprintf(handle, type, fmt, ap);
    va_end(ap);
    return len;
}

static void free_path(LV2_State_Free_Path_Handle handle, char *path)
{
    (void)handle;
    free(path);
}

/* Called from run(): a counter, as Ardour's only sets a flag for its GUI. */
static void queue_draw(LV2_Inline_Display_Handle handle)
{
    CantusHost *host = handle;
    atomic_fetch_add_explicit(&host->draws_queued, 1, memory_order_relaxed);
}

static void map_uris(CantusHost *host)
{
    HostUris *u = &host->uri;
    LV2_URID_Map *m = &host->map;
    u->atom_Path = m->map(m->handle, LV2_ATOM__Path);
    u->atom_String = m->map(m->handle, LV2_ATOM__String);
    u->atom_URID = m->map(m->handle, LV2_ATOM__URID);
    u->atom_Float = m->map(m->handle, LV2_ATOM__Float);
    u->atom_Double = m->map(m->handle, LV2_ATOM__Double);
    u->atom_Int = m->map(m->handle, LV2_ATOM__Int);
    u->atom_Long = m->map(m->handle, LV2_ATOM__Long);
    u->atom_Chunk = m->map(m->handle, LV2_ATOM__Chunk);
    u->atom_Sequence = m->map(m->handle, LV2_ATOM__Sequence);
    u->atom_Object = m->map(m->handle, LV2_ATOM__Object);
    u->midi_MidiEvent = m->map(m->handle, LV2_MIDI__MidiEvent);
    u->patch_Set = m->map(m->handle, LV2_PATCH__Set);
    u->patch_Get = m->map(m->handle, LV2_PATCH__Get);
    u->patch_property = m->map(m->handle, LV2_PATCH__property);
    u->patch_value = m->map(m->handle, LV2_PATCH__value);
    u->time_Position = m->map(m->handle, LV2_TIME__Position);
    u->time_speed = m->map(m->handle, LV2_TIME__speed);
    u->time_beatsPerMinute = m->map(m->handle, LV2_TIME__beatsPerMinute);
    u->time_bar = m->map(m->handle, LV2_TIME__bar);
    u->time_barBeat = m->map(m->handle, LV2_TIME__barBeat);
    u->time_beatsPerBar = m->map(m->handle, LV2_TIME__beatsPerBar);
    u->time_frame = m->map(m->handle, LV2_TIME__frame);
    u->time_beatUnit = m->map(m->handle, LV2_TIME__beatUnit);
    u->log_Error = m->map(m->handle, LV2_LOG__Error);
    u->log_Warning = m->map(m->handle, LV2_LOG__Warning);
    u->log_Note = m->map(m->handle, LV2_LOG__Note);
    u->log_Trace = m->map(m->handle, LV2_LOG__Trace);
    u->param_sampleRate = m->map(m->handle, LV2_PARAMETERS__sampleRate);
    u->bufsz_minBlockLength = m->map(m->handle, LV2_BUF_SIZE__minBlockLength);
    u->bufsz_maxBlockLength = m->map(m->handle, LV2_BUF_SIZE__maxBlockLength);
    u->bufsz_nominalBlockLength = m->map(m->handle, LV2_BUF_SIZE__nominalBlockLength);
    u->bufsz_sequenceSize = m->map(m->handle, LV2_BUF_SIZE__sequenceSize);
}

static void add_feature(CantusHost *host, int *n, const char *uri, void *data)
{
    host->feature_list[*n].URI = uri;
    host->feature_list[*n].data = data;
    host->features[*n] = &host->feature_list[*n];
    ++*n;
    host->features[*n] = NULL;
}

int host_features_init(CantusHost *host, bool restore_without_worker)
{
    if (pthread_mutex_init(&host->map_lock, NULL)) return -1;
    host->map.handle = host;
    host->map.map = map_uri;
    host->unmap.handle = host;
    host->unmap.unmap = unmap_uri;
    map_uris(host);

    host->log.handle = host;
    host->log.printf = log_printf;
    host->log.vprintf = log_vprintf;

    host->option_sample_rate = (float)host->sample_rate;
    host->option_min_block = 1;
    host->option_max_block = (int32_t)host->block_length;
    host->option_nominal_block = (int32_t)host->block_length;
    host->option_sequence_size = (int32_t)host->atom_capacity;
    const HostUris *u = &host->uri;
    LV2_Options_Option *o = host->options;
    o[0] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0,
                                u->param_sampleRate,  sizeof(float),
                                u->atom_Float,        &host->option_sample_rate};
    o[1] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0,           u->bufsz_minBlockLength,
                                sizeof(int32_t),      u->atom_Int, &host->option_min_block};
    o[2] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0,           u->bufsz_maxBlockLength,
                                sizeof(int32_t),      u->atom_Int, &host->option_max_block};
    o[3] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0,           u->bufsz_nominalBlockLength,
                                sizeof(int32_t),      u->atom_Int, &host->option_nominal_block};
    o[4] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0,           u->bufsz_sequenceSize,
                                sizeof(int32_t),      u->atom_Int, &host->option_sequence_size};
    o[5] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL};

    host->free_path.handle = NULL;
    host->free_path.free_path = free_path;
    host->schedule.handle = &host->worker;
    host->schedule.schedule_work = host_worker_schedule;

    host->queue_draw.handle = host;
    host->queue_draw.queue_draw = queue_draw;
    atomic_init(&host->draws_queued, 0);

    int n = 0;
    add_feature(host, &n, LV2_URID__map, &host->map);
    add_feature(host, &n, LV2_URID__unmap, &host->unmap);
    add_feature(host, &n, LV2_LOG__log, &host->log);
    add_feature(host, &n, LV2_OPTIONS__options, host->options);
    add_feature(host, &n, LV2_WORKER__schedule, &host->schedule);
    add_feature(host, &n, LV2_STATE__freePath, &host->free_path);
    add_feature(host, &n, LV2_CORE__hardRTCapable, NULL);
    add_feature(host, &n, LV2_BUF_SIZE__boundedBlockLength, NULL);
    /* The promise Ardour cannot make for a plugin without it: run() is not
     * split at automation points, so events written in a cycle stay there. */
    add_feature(host, &n, LV2_BUF_SIZE__coarseBlockLength, NULL);
    add_feature(host, &n, LV2_INLINEDISPLAY__queue_draw, &host->queue_draw);
    int r = 0;
    for (int i = 0; i < n; ++i)
        if (!restore_without_worker || strcmp(host->features[i]->URI, LV2_WORKER__schedule))
            host->restore_features[r++] = host->features[i];
    host->restore_features[r] = NULL;
    return 0;
}

void host_features_destroy(CantusHost *host)
{
    for (uint32_t i = 0; i < host->n_uris; ++i)
        free(host->uris[i]);
    free(host->uris);
    host->uris = NULL;
    pthread_mutex_destroy(&host->map_lock);
}
