/* Cantus, the LV2 plugin: an LSTM playing a note per beat (or per step of
 * the `rate`) in time with the host's transport.
 *
 * This file is the host's view: the descriptor, the ports, and run(), which
 * walks the input events in time order ("render up to the event, apply it,
 * go on") and leaves the music to player.c. Models are loaded by worker.c and
 * saved and restored by state.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/util.h>
#include <lv2/core/lv2.h>
#include <lv2/core/lv2_util.h>
#include <lv2/midi/midi.h>

#include "cantus.h"
#include "patch.h"
#include "state.h"
#include "worker.h"

/* The file instantiate loads so that a fresh instance plays at once. */
#define CANTUS_DEFAULT_MODEL "default.safetensors"

/* Bytes one 3-byte MIDI event takes in the output sequence. */
#define MIDI_EVENT_BYTES lv2_atom_pad_size(sizeof(LV2_Atom_Event) + 3)

/* What the output must keep free at all times: the note-offs of a full note
 * table and of one more note. Note-ons, MIDI passed through and patch
 * messages are only written when they leave this much, so a note-off always
 * fits and no note is left hanging by a full buffer. */
#define NOTE_OFF_RESERVE ((CANTUS_NOTE_TABLE_SIZE + 1) * MIDI_EVENT_BYTES)

static uint32_t output_space(const Cantus *self)
{
    return self->forge_ready ? self->forge.size - self->forge.offset : 0;
}

/* What an event with a body of `size` bytes takes in the sequence, in 64
 * bits so that a hostile size cannot wrap. */
static uint64_t event_bytes(uint32_t size)
{
    return (sizeof(LV2_Atom_Event) + (uint64_t)size + 7u) & ~(uint64_t)7u;
}

/* One whole event (frame time, atom header, body) or nothing: the space is
 * checked first and every forge call's answer too, so a full buffer never
 * leaves an event header without its body in the sequence. */
static bool forge_event(Cantus *self, uint32_t offset, LV2_URID type, const void *body,
                        uint32_t size)
{
    if ((uint64_t)output_space(self) < event_bytes(size)) return false;
    return lv2_atom_forge_frame_time(&self->forge, offset) &&
           lv2_atom_forge_atom(&self->forge, size, type) &&
           lv2_atom_forge_write(&self->forge, body, size);
}

/* Remembers a note-off that found no room, once per note. */
static void keep_stale(Cantus *self, uint8_t channel, uint8_t pitch)
{
    CantusNoteTable *stale = &self->stale;
    if (note_table_is_sounding(stale, channel, pitch)) return;
    /* It cannot be full: a note-on is only written when the output had
     * room for every note-off, so stale and the player's table together
     * never hold more than one table's worth (see docs/plugin.md). */
    if (stale->count < CANTUS_NOTE_TABLE_SIZE)
        stale->notes[stale->count++] = (CantusNote){channel, pitch, 0};
}

/* The player writes MIDI here, in its own frame count; it lands in the
 * output sequence at its offset in this cycle. A note-off that cannot be
 * written now (no output port this cycle, a full buffer, or outside run())
 * is kept in `stale` and written at the start of the next cycle that has
 * room. A note-on is written only with NOTE_OFF_RESERVE to spare. */
static bool write_midi(void *handle, int64_t frame, const uint8_t message[3])
{
    Cantus *self = (Cantus *)handle;
    const uint8_t kind = message[0] & 0xF0;
    if (kind == LV2_MIDI_MSG_NOTE_ON && output_space(self) < MIDI_EVENT_BYTES + NOTE_OFF_RESERVE)
        return false;
    int64_t offset = frame - self->cycle_start;
    if (offset < 0) offset = 0;
    if (offset >= (int64_t)self->cycle_frames)
        offset = self->cycle_frames ? self->cycle_frames - 1 : 0;
    if (forge_event(self, (uint32_t)offset, self->uris.midi_Event, message, 3)) {
        /* The display's one hook into the music: what was sent, as sent. */
        if (kind == LV2_MIDI_MSG_NOTE_ON || kind == LV2_MIDI_MSG_NOTE_OFF)
            display_note(&self->display, offset, message[1], kind == LV2_MIDI_MSG_NOTE_ON);
        return true;
    }
    if (kind == LV2_MIDI_MSG_NOTE_OFF) {
        keep_stale(self, message[0] & 0x0F, message[1]);
        display_note(&self->display, offset, message[1], false);
        return true;
    }
    return false;
}

/* The note-offs kept in `stale`, as many as fit, oldest first; the rest
 * wait for the next cycle. */
static void write_stale(Cantus *self)
{
    CantusNoteTable *stale = &self->stale;
    int written = 0;
    while (written < stale->count) {
        const CantusNote *note = &stale->notes[written];
        const uint8_t message[3] = {(uint8_t)(LV2_MIDI_MSG_NOTE_OFF | note->channel), note->pitch,
                                    0};
        if (!forge_event(self, 0, self->uris.midi_Event, message, 3)) break;
        written++;
    }
    for (int i = written; i < stale->count; i++)
        stale->notes[i - written] = stale->notes[i];
    stale->count -= written;
}

static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate,
                              const char *bundle_path, const LV2_Feature *const *features)
{
    (void)descriptor;
    Cantus *self = (Cantus *)calloc(1, sizeof(Cantus));
    if (!self) return NULL;

    LV2_Log_Log *log = NULL;
    const LV2_Inline_Display *queue_draw = NULL;
    const char *missing = lv2_features_query(
        features, LV2_LOG__log, &log, false, LV2_URID__map, &self->map, true, LV2_WORKER__schedule,
        &self->schedule, true, LV2_INLINEDISPLAY__queue_draw, &queue_draw, false, NULL);
    lv2_log_logger_init(&self->logger, self->map, log);
    if (missing) {
        lv2_log_error(&self->logger, "cantus: missing feature <%s>\n", missing);
        free(self);
        return NULL;
    }
    if (!display_init(&self->display, rate, queue_draw)) {
        display_free(&self->display);
        free(self);
        return NULL;
    }

    map_cantus_uris(self->map, &self->uris);
    lv2_atom_forge_init(&self->forge, self->map);
    player_init(&self->player, rate, (CantusMidiSink){write_midi, self});
    note_table_init(&self->stale);
    self->panic_armed = true;

    /* The bundle's default model, loaded right here so the first cycle can
     * play. Without it the plugin still works, silent until a model is set. */
    const size_t length = strlen(bundle_path) + sizeof("/" CANTUS_DEFAULT_MODEL);
    char *path = (char *)malloc(length);
    if (path) {
        const size_t n = strlen(bundle_path);
        const char *slash = (n && bundle_path[n - 1] == '/') ? "" : "/";
        snprintf(path, length, "%s%s%s", bundle_path, slash, CANTUS_DEFAULT_MODEL);
        char err[CANTUS_ERROR_SIZE] = "";
        CantusEngine *engine = engine_load(path, err, sizeof err);
        if (engine)
            engine_free(player_replace_engine(&self->player, engine));
        else
            lv2_log_warning(&self->logger,
                            "cantus: no default model, silent until one is set: %s\n", err);
        self->default_path = path; /* kept: it stands in for missing models */
    }
    return (LV2_Handle)self;
}

static void connect_port(LV2_Handle instance, uint32_t port, void *data)
{
    Cantus *self = (Cantus *)instance;
    if (port == CANTUS_CONTROL)
        self->control = (const LV2_Atom_Sequence *)data;
    else if (port == CANTUS_NOTIFY)
        self->notify = (LV2_Atom_Sequence *)data;
    else if (port == CANTUS_MODEL_STATUS)
        self->model_status = (float *)data;
    else if (port < CANTUS_PORT_COUNT)
        self->controls[port] = (const float *)data;
}

/* run() before activate() breaks the LV2 rules, but hosts do it: the plugin
 * plays then as it would after activate() (it is ready from instantiate) and
 * activate() hands the notes it finds sounding to `stale` (player_reset
 * releases them through write_midi, which has no output here), so the next
 * run() ends them. Playing nothing before activate() would need a second
 * rule for the same notes and still lose those of a host that activates
 * twice. */
static void activate(LV2_Handle instance)
{
    Cantus *self = (Cantus *)instance;
    self->forge_ready = false;
    player_reset(&self->player);
    self->activated = true;
}

/* A control port's value, or its default when the host left it unconnected
 * (Ardour runs a latency probe cycle with NULL ports). */
static float port_value(const Cantus *self, CantusPortIndex port, float fallback)
{
    const float *value = self->controls[port];
    return (value && isfinite(*value)) ? *value : fallback;
}

static void announce_model(Cantus *self, uint32_t offset)
{
    /* The event and object headers and the property take under 128 bytes. */
    const CantusEngine *engine = self->player.engine;
    if (!engine) return;
    const uint32_t bytes = lv2_atom_pad_size((uint32_t)engine->path_len + 1) + 128;
    if (output_space(self) >= bytes + NOTE_OFF_RESERVE)
        patch_write_model(&self->forge, &self->uris, offset, engine->path,
                          (uint32_t)engine->path_len);
}

static void handle_object(Cantus *self, const LV2_Atom_Object *object, uint32_t offset)
{
    CantusPositionFields fields;
    if (object->body.otype == self->uris.time_Position) {
        if (transport_read_position(&self->uris, object, &fields))
            player_position(&self->player, &fields);
        return;
    }
    const LV2_Atom *path = patch_model_set_value(&self->uris, object);
    if (path) {
        const char *body = (const char *)LV2_ATOM_BODY_CONST(path);
        if (!cantus_schedule_load(self, self->schedule, body, (uint32_t)strlen(body)))
            lv2_log_error(&self->logger, "cantus: could not ask the worker to load %s\n", body);
        return;
    }
    if (patch_is_model_get(&self->uris, object)) announce_model(self, offset);
}

static void run(LV2_Handle instance, uint32_t sample_count)
{
    Cantus *self = (Cantus *)instance;
    CantusPlayer *player = &self->player;

    self->cycle_start = player->now;
    self->cycle_frames = sample_count;
    self->forge_ready = false;
    LV2_Atom_Forge_Frame notify_frame;
    if (self->notify) {
        const uint32_t capacity = self->notify->atom.size;
        lv2_atom_forge_set_buffer(&self->forge, (uint8_t *)self->notify, capacity);
        self->forge_ready = lv2_atom_forge_sequence_head(&self->forge, &notify_frame, 0) != 0;
    }

    /* Notes left sounding by a deactivate (or a cycle without an output
     * port or room) end first. */
    write_stale(self);

    const CantusControls controls = player_controls_from_ports(self->controls);
    player_set_controls(player, &controls);
    const bool panic = port_value(self, CANTUS_PANIC, 0.0f) > 0.5f;
    if (panic && self->panic_armed) player_panic(player);
    self->panic_armed = !panic;
    player_work_ahead(player, sample_count);

    const uint32_t last_frame = sample_count ? sample_count - 1 : 0;
    uint32_t rendered = 0;
    if (self->control) {
        LV2_ATOM_SEQUENCE_FOREACH(self->control, event)
        {
            int64_t at = event->time.frames;
            uint32_t offset = at < rendered ? rendered : at > sample_count ? sample_count : at;
            player_render(player, offset - rendered);
            rendered = offset;

            if (event->body.type == self->uris.midi_Event) {
                const uint8_t *message = (const uint8_t *)LV2_ATOM_BODY_CONST(&event->body);
                /* What is played in passes through, whatever we do with it,
                 * when it leaves the note-off reserve free. */
                if ((uint64_t)output_space(self) >=
                    event_bytes(event->body.size) + NOTE_OFF_RESERVE)
                    forge_event(self, offset, self->uris.midi_Event, message, event->body.size);
                player_midi_in(player, message, event->body.size);
            } else if (lv2_atom_forge_is_object_type(&self->forge, event->body.type)) {
                handle_object(self, (const LV2_Atom_Object *)&event->body, offset);
            }
            if (player->swapped) {
                player->swapped = false;
                self->model_changed = true;
                announce_model(self, offset < sample_count ? offset : last_frame);
            }
        }
    }
    player_render(player, sample_count - rendered);
    if (player->swapped) {
        player->swapped = false;
        self->model_changed = true;
        announce_model(self, last_frame);
    }
    cantus_send_retired(self);
    /* What plays at the end of the cycle: a stand-in says why it stands in. */
    if (self->model_status)
        *self->model_status = (float)(player->engine ? player->engine->status : CANTUS_MODEL_OK);
    if (self->model_changed) {
        self->model_changed = false;
        display_model(&self->display, player->engine);
    }
    display_cycle_end(
        &self->display, sample_count, player->rolling ? player->clock.beats_per_frame : 0.0,
        cantus_grid_beat_at(&player->clock, player->now), player->transport.beats_per_bar);
    if (self->forge_ready) lv2_atom_forge_pop(&self->forge, &notify_frame);
    self->forge_ready = false;
}

static void deactivate(LV2_Handle instance)
{
    Cantus *self = (Cantus *)instance;
    /* No output buffer now: write_midi keeps the note-offs in `stale` for
     * the next run(). */
    self->forge_ready = false;
    player_release_all(&self->player);
    self->activated = false;
}

static void cleanup(LV2_Handle instance)
{
    Cantus *self = (Cantus *)instance;
    CantusEngine *engine;
    while ((engine = player_take_retired(&self->player)))
        engine_free(engine);
    engine_free(self->player.pending);
    engine_free(self->player.engine);
    free(self->default_path);
    display_free(&self->display);
    free(self);
}

/* The inline display's render(), in the host's GUI thread (display.c). */
static LV2_Inline_Display_Image_Surface *render(LV2_Handle instance, uint32_t width,
                                                uint32_t max_height)
{
    return display_render(&((Cantus *)instance)->display, width, max_height);
}

static const void *extension_data(const char *uri)
{
    static const LV2_Worker_Interface worker = {cantus_work, cantus_work_response, NULL};
    static const LV2_State_Interface state = {cantus_save, cantus_restore};
    static const LV2_Inline_Display_Interface display = {render};
    if (!strcmp(uri, LV2_WORKER__interface)) return &worker;
    if (!strcmp(uri, LV2_STATE__interface)) return &state;
    if (!strcmp(uri, LV2_INLINEDISPLAY__interface)) return &display;
    return NULL;
}

static const LV2_Descriptor descriptor = {
    CANTUS_URI, instantiate, connect_port, activate, run, deactivate, cleanup, extension_data,
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}
