/* A small LV2 host built on lilv, shaped like the hosts Cantus must work in
 * (jalv, Ardour, Carla): it loads a plugin from LV2_PATH or one bundle, gives
 * it the features those hosts give (urid:map/unmap, work:schedule, log:log,
 * state:mapPath/freePath, options with buf-size, hardRTCapable,
 * coarseBlockLength), feeds its control port with time:Position, MIDI and
 * patch messages, reads back its output sequence, and saves, restores and
 * loads presets through lilv's state API.
 *
 * cantus-render, the plugin tests and the plugin benchmark all drive the
 * plugin through this and nothing else.
 *
 * Threads: every function is called from one thread, the "audio" thread of
 * the host. Only the threaded worker runs work() on a thread of its own.
 */
#ifndef CANTUS_HOST_H
#define CANTUS_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lilv/lilv.h>
#include <lv2/urid/urid.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CantusHost CantusHost;

typedef enum {
    /* work() runs right after run() on the calling thread and its answer is
     * handed back in the same cycle: every run is reproducible. */
    CANTUS_HOST_WORKER_DEFERRED = 0,
    /* work() runs on a worker thread, as in jalv; answers are delivered
     * after the first run() that finds them ready. */
    CANTUS_HOST_WORKER_THREADED,
} CantusHostWorkerMode;

typedef struct {
    const char *plugin_uri; /* NULL: urn:cantus:generator */
    const char *bundle_dir; /* NULL: everything on LV2_PATH, as a host loads */
    double sample_rate;     /* 0: 48000 */
    uint32_t block_length;  /* nominal and maximum frames per run(); 0: 8192 */
    CantusHostWorkerMode worker;
    bool log_to_stderr; /* also print every log:log line */
    /* Restore without a work:schedule feature, as hosts without a state
     * worker do: the plugin must load what it restores by itself. */
    bool restore_without_worker;
} CantusHostConfig;

/* What run() wrote, one event of the output sequence. */
typedef enum {
    CANTUS_EVENT_MIDI = 0,
    CANTUS_EVENT_PATCH_SET, /* value_path / value_urid as given */
    CANTUS_EVENT_OTHER,
} CantusEventKind;

typedef struct {
    int64_t frame; /* absolute: the frame counter of the cycle + the offset */
    uint32_t offset;
    CantusEventKind kind;
    uint8_t midi[3];
    uint32_t midi_size;
    LV2_URID property; /* patch:Set: its patch:property */
    const char
        *value_path; /* patch:Set with an atom:Path or String value; lives until the next run */
} CantusEvent;

/* A time:Position as a host writes one. Only the fields in `fields` are
 * written (partial updates, as some hosts send). */
enum {
    CANTUS_POS_SPEED = 1u << 0,
    CANTUS_POS_BPM = 1u << 1,
    CANTUS_POS_BAR = 1u << 2,
    CANTUS_POS_BAR_BEAT = 1u << 3,
    CANTUS_POS_BEATS_PER_BAR = 1u << 4,
    CANTUS_POS_FRAME = 1u << 5,
    CANTUS_POS_BEAT_UNIT = 1u << 6,
    CANTUS_POS_ALL = 0x7f,
};

typedef enum {
    CANTUS_NUMBERS_LIKE_ARDOUR = 0, /* Float, bar/frame Long: Ardour, jalv */
    CANTUS_NUMBERS_DOUBLE,          /* every field Double */
    CANTUS_NUMBERS_INTEGER,         /* Int/Long where the value is whole, else Double */
} CantusNumberStyle;

typedef struct {
    unsigned fields;
    double speed;
    double bpm;
    int64_t bar;
    double bar_beat;
    double beats_per_bar;
    int64_t frame;
    int beat_unit;
    CantusNumberStyle style;
} CantusPosition;

/* Returns NULL and one sentence in err on failure (err may be NULL). */
CantusHost *cantus_host_new(const CantusHostConfig *config, char *err, size_t err_size);
void cantus_host_free(CantusHost *host);

LilvWorld *cantus_host_world(CantusHost *host);
const LilvPlugin *cantus_host_plugin(CantusHost *host);
LilvInstance *cantus_host_instance(CantusHost *host);
double cantus_host_sample_rate(const CantusHost *host);
uint32_t cantus_host_block_length(const CantusHost *host);
LV2_URID cantus_host_map(CantusHost *host, const char *uri);
const char *cantus_host_unmap(CantusHost *host, LV2_URID urid);

void cantus_host_activate(CantusHost *host);
void cantus_host_deactivate(CantusHost *host);
bool cantus_host_is_active(const CantusHost *host);

/* Control ports by symbol. set returns false when there is no such control
 * input. get reads inputs and outputs; NAN when unknown. */
bool cantus_host_set_control(CantusHost *host, const char *symbol, float value);
float cantus_host_get_control(const CantusHost *host, const char *symbol);

/* The next cycle's input events, in frame order (offsets within the cycle).
 * Each returns false when the buffer is full or an offset goes back. */
bool cantus_host_add_position(CantusHost *host, uint32_t offset, const CantusPosition *pos);
bool cantus_host_add_midi(CantusHost *host, uint32_t offset, const uint8_t *msg, uint32_t size);
/* patch:Set of urn:cantus:model (or any property URI) to an atom:Path. */
bool cantus_host_add_patch_set_path(CantusHost *host, uint32_t offset, const char *property_uri,
                                    const char *path);
/* patch:Get; property_uri NULL asks for everything. */
bool cantus_host_add_patch_get(CantusHost *host, uint32_t offset, const char *property_uri);

/* Runs one cycle of nframes (1..block_length), then services the worker as
 * the host would (answers handed to work_response, then end_run). Returns
 * the number of output events, readable with cantus_host_event until the
 * next call. The input sequence is emptied. */
uint32_t cantus_host_run(CantusHost *host, uint32_t nframes);
const CantusEvent *cantus_host_event(const CantusHost *host, uint32_t index);
/* Frames run since the host was made: the absolute frame of offset 0. */
int64_t cantus_host_frame(const CantusHost *host);

/* Called right before and after the plugin's run(), work_response() and
 * end_run(): everything the plugin does on the audio thread. The tests hang
 * their allocation counter here. */
typedef void (*CantusHostRtHook)(void *data);
void cantus_host_set_rt_hooks(CantusHost *host, CantusHostRtHook enter, CantusHostRtHook leave,
                              void *data);

/* The worker's answers are held back this many run() cycles after they are
 * ready, as a busy or slow host's would be. */
void cantus_host_set_worker_delay(CantusHost *host, unsigned cycles);
/* Waits until the threaded worker has finished all it was asked (a no-op
 * when deferred). Answers are still delivered by run(). */
void cantus_host_worker_drain(CantusHost *host);
/* work() calls made so far. */
unsigned cantus_host_worker_jobs(const CantusHost *host);

/* Lines the plugin logged through log:log, oldest first. The ring keeps the
 * last CANTUS_HOST_LOG_LINES. */
#define CANTUS_HOST_LOG_LINES 64
#define CANTUS_HOST_LOG_SIZE  512
unsigned cantus_host_log_count(const CantusHost *host);
const char *cantus_host_log_line(const CantusHost *host, unsigned index); /* 0 = oldest kept */
/* The log:Error/Warning/Note/Trace URI of that line. */
const char *cantus_host_log_type(const CantusHost *host, unsigned index);
void cantus_host_log_clear(CantusHost *host);

/* Ardour's inline display (http://harrisonconsoles.com/lv2/inlinedisplay):
 * the host offers the queue_draw feature, and calls the plugin's render() as
 * Ardour's mixer strip does, outside the audio thread's hooks. */
typedef struct {
    const uint32_t *pixels; /* ARGB32 premultiplied, native-endian words */
    int width;
    int height;
    int stride; /* in pixels */
} CantusDisplayImage;
/* False when the plugin has no inline display or draws nothing. The pixels
 * are the plugin's, valid until the next render or the host's end. */
bool cantus_host_render_display(CantusHost *host, uint32_t width, uint32_t max_height,
                                CantusDisplayImage *out);
/* The plugin's queue_draw calls so far. */
unsigned cantus_host_draws_queued(const CantusHost *host);

/* Presets of the plugin (pset:Preset resources), as URIs with labels,
 * sorted by URI (the same order in every run). */
typedef struct {
    char *uri;
    char *label; /* rdfs:label, or the URI's last segment */
} CantusPreset;
/* Returns how many; *out is allocated, free with cantus_host_presets_free. */
int cantus_host_presets(CantusHost *host, CantusPreset **out);
void cantus_host_presets_free(CantusPreset *presets, int count);
/* A preset by URI, by label (case-insensitive) or by the URI's last segment;
 * loaded with lilv_state_new_from_world and restored into the instance.
 * Returns false with a sentence in err. */
bool cantus_host_load_preset(CantusHost *host, const char *name, char *err, size_t err_size);

/* Saves the plugin's state (lilv_state_new_from_instance + lilv_state_save)
 * into dir/state.ttl, as jalv does: files the plugin names outside dir are
 * linked from dir, files in scratch_dir (may be NULL) are copied into dir.
 * (lilv 0.24 without a link directory deletes a file it was told to keep
 * by absolute path, so this host always gives one.) */
bool cantus_host_save_state(CantusHost *host, const char *dir, const char *scratch_dir, char *err,
                            size_t err_size);
/* Restores dir/state.ttl (lilv_state_new_from_file + lilv_state_restore). */
bool cantus_host_restore_state(CantusHost *host, const char *dir, char *err, size_t err_size);
/* Restores a LilvState already made (for tests that build their own). */
void cantus_host_restore(CantusHost *host, const LilvState *state);

#ifdef __cplusplus
}
#endif

#endif
