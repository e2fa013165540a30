/* The two atom sequences of a cycle: the control input the host fills with
 * time:Position, MIDI and patch messages (with lv2_atom_forge, in frame
 * order), and the output the plugin fills, read back after run() into
 * CantusEvent records. */
#include <string.h>

#include <lv2/atom/util.h>

#include "host_internal.h"

void host_sequence_reset(CantusHost *host)
{
    lv2_atom_forge_set_buffer(&host->forge, host->in_buffer, host->atom_capacity);
    lv2_atom_forge_sequence_head(&host->forge, &host->sequence, 0);
    host->last_offset = 0;
    host->forge_failed = false;
}

/* The host's half of the output port contract: an atom:Chunk whose size is
 * the space the plugin may write into. */
void host_output_prepare(CantusHost *host)
{
    LV2_Atom *out = (LV2_Atom *)host->out_buffer;
    out->type = host->uri.atom_Chunk;
    out->size = host->atom_capacity - sizeof(LV2_Atom);
}

static bool begin_event(CantusHost *host, uint32_t offset)
{
    if (host->forge_failed || offset < host->last_offset || offset >= host->block_length)
        return false;
    host->last_offset = offset;
    if (!lv2_atom_forge_frame_time(&host->forge, offset)) host->forge_failed = true;
    return !host->forge_failed;
}

static bool forged(CantusHost *host, LV2_Atom_Forge_Ref ref)
{
    if (!ref) host->forge_failed = true;
    return !host->forge_failed;
}

/* An object event (time:Position, patch:Set, patch:Get) opened at offset;
 * end_object() closes it. */
static bool begin_object(CantusHost *host, uint32_t offset, LV2_URID type,
                         LV2_Atom_Forge_Frame *frame)
{
    return begin_event(host, offset) &&
           forged(host, lv2_atom_forge_object(&host->forge, frame, 0, type));
}

static bool end_object(CantusHost *host, LV2_Atom_Forge_Frame *frame)
{
    lv2_atom_forge_pop(&host->forge, frame);
    return !host->forge_failed;
}

/* patch:property and the URID of property_uri. */
static void forge_property(CantusHost *host, const char *property_uri)
{
    forged(host, lv2_atom_forge_key(&host->forge, host->uri.patch_property));
    forged(host, lv2_atom_forge_urid(&host->forge, host->map.map(host->map.handle, property_uri)));
}

/* A number in the atom type a given kind of host uses for it. */
static void forge_number(CantusHost *host, CantusNumberStyle style, double value, bool whole_kind)
{
    LV2_Atom_Forge *f = &host->forge;
    switch (style) {
    case CANTUS_NUMBERS_DOUBLE:
        forged(host, lv2_atom_forge_double(f, value));
        break;
    case CANTUS_NUMBERS_INTEGER:
        if (value == (double)(int64_t)value) {
            if (value >= -2147483648.0 && value <= 2147483647.0)
                forged(host, lv2_atom_forge_int(f, (int32_t)value));
            else
                forged(host, lv2_atom_forge_long(f, (int64_t)value));
        } else {
            forged(host, lv2_atom_forge_double(f, value));
        }
        break;
    default:
        if (whole_kind)
            forged(host, lv2_atom_forge_long(f, (int64_t)value));
        else
            forged(host, lv2_atom_forge_float(f, (float)value));
        break;
    }
}

bool cantus_host_add_position(CantusHost *host, uint32_t offset, const CantusPosition *pos)
{
    LV2_Atom_Forge *f = &host->forge;
    const HostUris *u = &host->uri;
    LV2_Atom_Forge_Frame frame;
    if (!begin_object(host, offset, u->time_Position, &frame)) return false;
    struct {
        unsigned flag;
        LV2_URID key;
        double value;
        bool whole;
    } fields[] = {
        {CANTUS_POS_FRAME, u->time_frame, (double)pos->frame, true},
        {CANTUS_POS_SPEED, u->time_speed, pos->speed, false},
        {CANTUS_POS_BAR, u->time_bar, (double)pos->bar, true},
        {CANTUS_POS_BAR_BEAT, u->time_barBeat, pos->bar_beat, false},
        {CANTUS_POS_BEAT_UNIT, u->time_beatUnit, (double)pos->beat_unit, true},
        {CANTUS_POS_BEATS_PER_BAR, u->time_beatsPerBar, pos->beats_per_bar, false},
        {CANTUS_POS_BPM, u->time_beatsPerMinute, pos->bpm, false},
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); ++i) {
        if (!(pos->fields & fields[i].flag)) continue;
        forged(host, lv2_atom_forge_key(f, fields[i].key));
        /* beatUnit is an Int in every host that sends it. */
        if (fields[i].flag == CANTUS_POS_BEAT_UNIT && pos->style == CANTUS_NUMBERS_LIKE_ARDOUR)
            forged(host, lv2_atom_forge_int(f, (int32_t)fields[i].value));
        else
            forge_number(host, pos->style, fields[i].value, fields[i].whole);
    }
    return end_object(host, &frame);
}

bool cantus_host_add_midi(CantusHost *host, uint32_t offset, const uint8_t *msg, uint32_t size)
{
    if (!begin_event(host, offset)) return false;
    LV2_Atom_Forge *f = &host->forge;
    forged(host, lv2_atom_forge_atom(f, size, host->uri.midi_MidiEvent));
    forged(host, lv2_atom_forge_write(f, msg, size));
    return !host->forge_failed;
}

bool cantus_host_add_patch_set_path(CantusHost *host, uint32_t offset, const char *property_uri,
                                    const char *path)
{
    LV2_Atom_Forge_Frame frame;
    if (!begin_object(host, offset, host->uri.patch_Set, &frame)) return false;
    forge_property(host, property_uri);
    forged(host, lv2_atom_forge_key(&host->forge, host->uri.patch_value));
    forged(host, lv2_atom_forge_path(&host->forge, path, (uint32_t)strlen(path)));
    return end_object(host, &frame);
}

bool cantus_host_add_patch_get(CantusHost *host, uint32_t offset, const char *property_uri)
{
    LV2_Atom_Forge_Frame frame;
    if (!begin_object(host, offset, host->uri.patch_Get, &frame)) return false;
    if (property_uri) forge_property(host, property_uri);
    return end_object(host, &frame);
}

static const char *keep_string(CantusHost *host, const char *s, uint32_t len)
{
    if (host->paths_used + len + 1 > host->paths_cap) return NULL;
    char *copy = host->paths + host->paths_used;
    memcpy(copy, s, len);
    copy[len] = '\0';
    host->paths_used += len + 1;
    return copy;
}

void host_output_parse(CantusHost *host, uint32_t nframes)
{
    const HostUris *u = &host->uri;
    const LV2_Atom_Sequence *seq = (const LV2_Atom_Sequence *)host->out_buffer;
    host->n_events = 0;
    host->paths_used = 0;
    /* A plugin that wrote nothing may leave the Chunk; only a Sequence has events. */
    if (seq->atom.type != u->atom_Sequence) return;
    LV2_ATOM_SEQUENCE_FOREACH(seq, ev)
    {
        if (host->n_events == host->cap_events) break;
        CantusEvent *out = &host->events[host->n_events++];
        memset(out, 0, sizeof(*out));
        out->offset = (uint32_t)ev->time.frames;
        out->frame = host->frame + ev->time.frames;
        (void)nframes;
        if (ev->body.type == u->midi_MidiEvent) {
            out->kind = CANTUS_EVENT_MIDI;
            out->midi_size = ev->body.size;
            memcpy(out->midi, LV2_ATOM_BODY_CONST(&ev->body),
                   ev->body.size < 3 ? ev->body.size : 3);
            continue;
        }
        out->kind = CANTUS_EVENT_OTHER;
        if (ev->body.type != u->atom_Object) continue;
        const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;
        if (obj->body.otype != u->patch_Set) continue;
        const LV2_Atom *property = NULL;
        const LV2_Atom *value = NULL;
        lv2_atom_object_get(obj, u->patch_property, &property, u->patch_value, &value, 0);
        out->kind = CANTUS_EVENT_PATCH_SET;
        if (property && property->type == u->atom_URID)
            out->property = ((const LV2_Atom_URID *)property)->body;
        if (value && (value->type == u->atom_Path || value->type == u->atom_String)) {
            const char *s = LV2_ATOM_BODY_CONST(value);
            uint32_t len = (uint32_t)strnlen(s, value->size);
            out->value_path = keep_string(host, s, len);
        }
    }
}
