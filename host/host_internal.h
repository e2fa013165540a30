/* What the host's files share: the CantusHost struct and the pieces each
 * file provides to the others. Not installed, not used outside host/. */
#ifndef CANTUS_HOST_INTERNAL_H
#define CANTUS_HOST_INTERNAL_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>

#include <lv2/atom/forge.h>
#include <lv2/log/log.h>
#include <lv2/options/options.h>
#include <lv2/state/state.h>
#include <lv2/worker/worker.h>

#include "../plugin/inline_display.h"
#include "cantus_host.h"

/* A single-producer single-consumer byte ring of length-prefixed messages,
 * lock-free so the audio thread never waits on the worker. */
typedef struct {
    uint8_t *data;
    uint32_t size; /* a power of two */
    _Atomic uint32_t write_head;
    _Atomic uint32_t read_head;
} HostRing;

int host_ring_init(HostRing *ring, uint32_t size);
void host_ring_destroy(HostRing *ring);
/* Whole message or nothing. */
bool host_ring_write(HostRing *ring, const void *msg, uint32_t size);
/* Copies the next message into buf (capacity cap); returns its size, 0 when
 * the ring is empty. */
uint32_t host_ring_read(HostRing *ring, void *buf, uint32_t cap);

typedef struct {
    CantusHost *host;
    CantusHostWorkerMode mode;
    const LV2_Worker_Interface *iface;
    LV2_Handle handle;
    HostRing requests;
    HostRing responses;
    uint8_t *message; /* scratch for one request or response */
    uint32_t message_cap;
    pthread_t thread;
    bool thread_running;
    sem_t wake;
    atomic_bool quit;
    _Atomic unsigned requested; /* schedule_work calls accepted */
    _Atomic unsigned done;      /* work() calls finished */
    unsigned delay;             /* cycles an answer is held back */
    unsigned held;              /* cycles the current answers have waited */
} HostWorker;

int host_worker_init(HostWorker *worker, CantusHost *host, CantusHostWorkerMode mode);
/* Binds the plugin's work:interface (NULL when it has none). */
void host_worker_attach(HostWorker *worker, const LV2_Worker_Interface *iface, LV2_Handle handle);
void host_worker_stop(HostWorker *worker);
void host_worker_destroy(HostWorker *worker);
LV2_Worker_Status host_worker_schedule(LV2_Worker_Schedule_Handle handle, uint32_t size,
                                       const void *data);
/* After run(): deferred work is done here, outside the real-time hooks. */
void host_worker_do_deferred(HostWorker *worker);
/* Still on the audio thread: answers to work_response(), then end_run(). */
void host_worker_emit_responses(HostWorker *worker);
void host_worker_drain(HostWorker *worker);

typedef struct {
    LV2_URID atom_Path;
    LV2_URID atom_String;
    LV2_URID atom_URID;
    LV2_URID atom_Float;
    LV2_URID atom_Double;
    LV2_URID atom_Int;
    LV2_URID atom_Long;
    LV2_URID atom_Chunk;
    LV2_URID atom_Sequence;
    LV2_URID atom_Object;
    LV2_URID midi_MidiEvent;
    LV2_URID patch_Set;
    LV2_URID patch_Get;
    LV2_URID patch_property;
    LV2_URID patch_value;
    LV2_URID time_Position;
    LV2_URID time_speed;
    LV2_URID time_beatsPerMinute;
    LV2_URID time_bar;
    LV2_URID time_barBeat;
    LV2_URID time_beatsPerBar;
    LV2_URID time_frame;
    LV2_URID time_beatUnit;
    LV2_URID log_Error;
    LV2_URID log_Warning;
    LV2_URID log_Note;
    LV2_URID log_Trace;
    LV2_URID param_sampleRate;
    LV2_URID bufsz_minBlockLength;
    LV2_URID bufsz_maxBlockLength;
    LV2_URID bufsz_nominalBlockLength;
    LV2_URID bufsz_sequenceSize;
} HostUris;

typedef enum {
    HOST_PORT_CONTROL,
    HOST_PORT_ATOM,
    HOST_PORT_AUDIO, /* audio or CV: given silence, never expected */
    HOST_PORT_UNKNOWN,
} HostPortKind;

typedef struct {
    const char *symbol; /* owned by lilv */
    HostPortKind kind;
    bool input;
} HostPortInfo;

#define HOST_FEATURE_COUNT 13

struct CantusHost {
    LilvWorld *world;
    const LilvPlugin *plugin;
    LilvInstance *instance;
    double sample_rate;
    uint32_t block_length;
    bool active;
    int64_t frame;

    /* urid:map: a growing table behind a lock; plugins map at instantiate
     * and on the worker, never in run(). */
    pthread_mutex_t map_lock;
    char **uris;
    uint32_t n_uris;
    uint32_t cap_uris;
    LV2_URID_Map map;
    LV2_URID_Unmap unmap;
    HostUris uri;

    LV2_Log_Log log;
    bool log_to_stderr;
    char log_lines[CANTUS_HOST_LOG_LINES][CANTUS_HOST_LOG_SIZE];
    LV2_URID log_types[CANTUS_HOST_LOG_LINES];
    _Atomic unsigned log_written;
    unsigned log_cleared;

    float option_sample_rate;
    int32_t option_min_block;
    int32_t option_max_block;
    int32_t option_nominal_block;
    int32_t option_sequence_size;
    LV2_Options_Option options[6];

    LV2_Inline_Display queue_draw;
    _Atomic unsigned draws_queued;

    LV2_State_Free_Path free_path;
    LV2_Worker_Schedule schedule;
    HostWorker worker;

    LV2_Feature feature_list[HOST_FEATURE_COUNT];
    const LV2_Feature *features[HOST_FEATURE_COUNT + 1];
    /* What restore() is given: the same, or without work:schedule. */
    const LV2_Feature *restore_features[HOST_FEATURE_COUNT + 1];

    uint32_t n_ports;
    HostPortInfo *ports;
    float *controls;
    /* One block holds the fixed-size buffers: silence, the three atom
     * buffers, events and paths point into it (host.c's allocate_buffers). */
    unsigned char *buffers;
    float *silence; /* for audio/CV ports */
    uint32_t control_in;
    uint32_t events_out;
    uint32_t atom_capacity;
    uint8_t *in_buffer;
    uint8_t *out_buffer;
    uint8_t *spare_atom; /* for any further atom port */
    LV2_Atom_Forge forge;
    LV2_Atom_Forge_Frame sequence;
    uint32_t last_offset;
    bool forge_failed;

    CantusEvent *events;
    uint32_t n_events;
    uint32_t cap_events;
    char *paths; /* the strings CantusEvent.value_path point into */
    uint32_t paths_used;
    uint32_t paths_cap;

    CantusHostRtHook rt_enter;
    CantusHostRtHook rt_leave;
    void *rt_data;
};

/* host_features.c */
int host_features_init(CantusHost *host, bool restore_without_worker);
void host_features_destroy(CantusHost *host);

/* host_sequence.c */
void host_sequence_reset(CantusHost *host);
void host_output_prepare(CantusHost *host);
void host_output_parse(CantusHost *host, uint32_t nframes);

static inline void host_rt_enter(CantusHost *host)
{
    if (host->rt_enter) host->rt_enter(host->rt_data);
}

static inline void host_rt_leave(CantusHost *host)
{
    if (host->rt_leave) host->rt_leave(host->rt_data);
}

#endif
