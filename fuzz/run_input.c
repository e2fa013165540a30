/* The run() harness's input decoder: the byte language of fuzz_run.c's
 * header turned into the atoms a host can send (time:Position with any
 * field of any type, MIDI of any bytes, patch:Set and patch:Get in every
 * shape, any atom at all). */
#include <math.h>
#include <string.h>

#include <lv2/atom/util.h>
#include <lv2/midi/midi.h>
#include <lv2/patch/patch.h>
#include <lv2/time/time.h>

#include "run_rig.h"

/* FUZZ_RUN_TAME: speeds beyond +-4, tempos beyond 1000 BPM and song
 * positions beyond a million beats are clamped before they are sent, per
 * time:Position key (speed, bpm, bar, barBeat, beatsPerBar, frame,
 * beatUnit, beat). */
static const double tame_limits[8] = {4.0, 1000.0, 1e6, 1e6, 1e3, 1e12, 1e9, 1e6};

uint8_t take_u8(Reader *r)
{
    if (!r->left) return 0;
    r->left--;
    return *r->p++;
}

void take(Reader *r, void *out, size_t n)
{
    memset(out, 0, n);
    size_t k = n < r->left ? n : r->left;
    memcpy(out, r->p, k);
    r->p += k;
    r->left -= k;
}

void run_map_uris(Rig *r)
{
    CantusHost *h = r->host;
    r->midi_Event = cantus_host_map(h, LV2_MIDI__MidiEvent);
    r->atom_Path = cantus_host_map(h, LV2_ATOM__Path);
    r->atom_String = cantus_host_map(h, LV2_ATOM__String);
    r->atom_Int = cantus_host_map(h, LV2_ATOM__Int);
    r->atom_Long = cantus_host_map(h, LV2_ATOM__Long);
    r->atom_Float = cantus_host_map(h, LV2_ATOM__Float);
    r->atom_Double = cantus_host_map(h, LV2_ATOM__Double);
    r->atom_Bool = cantus_host_map(h, LV2_ATOM__Bool);
    r->atom_URID = cantus_host_map(h, LV2_ATOM__URID);
    r->atom_Chunk = cantus_host_map(h, LV2_ATOM__Chunk);
    r->time_Position = cantus_host_map(h, LV2_TIME__Position);
    r->patch_Set = cantus_host_map(h, LV2_PATCH__Set);
    r->patch_Get = cantus_host_map(h, LV2_PATCH__Get);
    r->patch_Put = cantus_host_map(h, LV2_PATCH__Put);
    r->patch_property = cantus_host_map(h, LV2_PATCH__property);
    r->patch_value = cantus_host_map(h, LV2_PATCH__value);
    r->cantus_model = cantus_host_map(h, MODEL_URI);
    r->other_property = cantus_host_map(h, "urn:cantus:fuzz#other");
    const char *keys[8] = {
        LV2_TIME__speed,       LV2_TIME__beatsPerMinute, LV2_TIME__bar,      LV2_TIME__barBeat,
        LV2_TIME__beatsPerBar, LV2_TIME__frame,          LV2_TIME__beatUnit, LV2_TIME__beat};
    for (int i = 0; i < 8; i++)
        r->position_keys[i] = cantus_host_map(h, keys[i]);
}

/* A field's 8 value bytes, read as each numeric type it may be sent as. */
typedef struct {
    int32_t i32;
    int64_t i64;
    double d;
} FieldValue;

static FieldValue field_value(const uint8_t value[8])
{
    FieldValue v;
    memcpy(&v.i32, value, 4);
    memcpy(&v.i64, value, 8);
    memcpy(&v.d, value, 8);
    return v;
}

static void forge_number(Rig *r, uint8_t type, const uint8_t value[8])
{
    LV2_Atom_Forge *f = &r->forge;
    const FieldValue v = field_value(value);
    switch (type % 7) {
    case 0:
        lv2_atom_forge_int(f, v.i32);
        break;
    case 1:
        lv2_atom_forge_long(f, v.i64);
        break;
    case 2:
        lv2_atom_forge_float(f, (float)v.d);
        break;
    case 3:
        lv2_atom_forge_double(f, v.d);
        break;
    case 4:
        lv2_atom_forge_bool(f, v.i32 != 0);
        break;
    case 5:
        /* A String atom without its terminator: a plugin that reads it
         * as a C string reads past it. */
        lv2_atom_forge_atom(f, 8, r->atom_String);
        lv2_atom_forge_write(f, value, 8);
        break;
    default:
        lv2_atom_forge_atom(f, 8, (LV2_URID)(value[0] | 1u << 20));
        lv2_atom_forge_write(f, value, 8);
        break;
    }
}

/* Rewrites the 8 value bytes of a numeric field so that |value| <= limit. */
static void clamp_value(uint8_t type, uint8_t value[8], double limit)
{
    FieldValue v = field_value(value);
    switch (type % 7) {
    case 0:
        v.i32 = v.i32 > limit ? (int32_t)limit : v.i32 < -limit ? -(int32_t)limit : v.i32;
        memcpy(value, &v.i32, 4);
        break;
    case 1:
        v.i64 = v.i64 > limit ? (int64_t)limit : v.i64 < -limit ? -(int64_t)limit : v.i64;
        memcpy(value, &v.i64, 8);
        break;
    case 2:
    case 3:
        if (isfinite(v.d) && fabs(v.d) > limit) v.d = v.d > 0 ? limit : -limit;
        memcpy(value, &v.d, 8);
        break;
    default:
        break;
    }
}

static void add_position(Rig *r, Reader *in)
{
    LV2_Atom_Forge *f = &r->forge;
    uint8_t mask = take_u8(in);
    LV2_Atom_Forge_Frame frame;
    lv2_atom_forge_object(f, &frame, 0, r->time_Position);
    for (int i = 0; i < 8; i++) {
        if (!(mask & (1u << i))) continue;
        uint8_t type = take_u8(in);
        uint8_t value[8];
        take(in, value, 8);
        if (r->tame) clamp_value(type, value, tame_limits[i]);
        lv2_atom_forge_key(f, r->position_keys[i]);
        forge_number(r, type, value);
    }
    lv2_atom_forge_pop(f, &frame);
}

static void add_patch_set(Rig *r, Reader *in)
{
    LV2_Atom_Forge *f = &r->forge;
    uint8_t how = take_u8(in);
    const char *path = r->model_paths[how & 3];
    uint32_t len = (uint32_t)strlen(path);
    LV2_Atom_Forge_Frame frame;
    lv2_atom_forge_object(f, &frame, 0, (how & 0x40) ? r->patch_Put : r->patch_Set);
    switch ((how >> 2) & 3) {
    case 0:
        lv2_atom_forge_key(f, r->patch_property);
        lv2_atom_forge_urid(f, r->cantus_model);
        break;
    case 1:
        lv2_atom_forge_key(f, r->patch_property);
        lv2_atom_forge_urid(f, r->other_property);
        break;
    case 2:
        break;
    default:
        lv2_atom_forge_key(f, r->patch_property);
        lv2_atom_forge_int(f, (int32_t)r->cantus_model);
        break;
    }
    lv2_atom_forge_key(f, r->patch_value);
    switch ((how >> 4) & 3) {
    case 0:
        lv2_atom_forge_path(f, path, len);
        break;
    case 1:
        lv2_atom_forge_string(f, path, len);
        break;
    case 2:
        lv2_atom_forge_int(f, (int32_t)len);
        break;
    default:
        /* A Path whose body does not end in NUL. */
        lv2_atom_forge_atom(f, len, r->atom_Path);
        lv2_atom_forge_write(f, path, len);
        break;
    }
    lv2_atom_forge_pop(f, &frame);
}

static void add_patch_get(Rig *r, Reader *in)
{
    LV2_Atom_Forge *f = &r->forge;
    uint8_t how = take_u8(in) % 3;
    LV2_Atom_Forge_Frame frame;
    lv2_atom_forge_object(f, &frame, 0, r->patch_Get);
    if (how) {
        lv2_atom_forge_key(f, r->patch_property);
        lv2_atom_forge_urid(f, how == 1 ? r->cantus_model : r->other_property);
    }
    lv2_atom_forge_pop(f, &frame);
}

static void remember_input(Rig *r, uint32_t offset, const uint8_t *bytes, uint32_t len);

static void add_any_atom(Rig *r, Reader *in, uint32_t offset)
{
    static const char *const types[] = {LV2_ATOM__Object, LV2_ATOM__Blank,    LV2_ATOM__Sequence,
                                        LV2_ATOM__Tuple,  LV2_ATOM__Chunk,    LV2_ATOM__Vector,
                                        LV2_ATOM__Path,   LV2_MIDI__MidiEvent};
    uint8_t type = take_u8(in);
    uint8_t len = take_u8(in);
    uint8_t body[256];
    take(in, body, len);
    lv2_atom_forge_atom(&r->forge, len, cantus_host_map(r->host, types[type % 8]));
    lv2_atom_forge_write(&r->forge, body, len);
    /* A MIDI event of up to 256 arbitrary bytes: passed through as it came. */
    if (type % 8 == 7) remember_input(r, offset, body, len);
}

static void add_midi(Rig *r, Reader *in, uint32_t offset)
{
    uint8_t len = take_u8(in) % 9;
    uint8_t bytes[8];
    take(in, bytes, len);
    lv2_atom_forge_atom(&r->forge, len, r->midi_Event);
    lv2_atom_forge_write(&r->forge, bytes, len);
    remember_input(r, offset, bytes, len);
}

/* MIDI put into the cycle, to recognise it when it passes through. */
static void remember_input(Rig *r, uint32_t offset, const uint8_t *bytes, uint32_t len)
{
    if (r->n_inputs < MAX_INPUTS) {
        uint32_t keep = len < sizeof r->inputs[0].bytes ? len : sizeof r->inputs[0].bytes;
        r->inputs[r->n_inputs].offset = offset;
        r->inputs[r->n_inputs].size = len;
        memcpy(r->inputs[r->n_inputs].bytes, bytes, keep);
        r->n_inputs++;
    } else {
        /* Too many to track: whatever passes through cannot be told apart,
         * so balance is no longer checked anywhere. */
        for (int c = 0; c < 16; c++)
            ledger_ignore_channel(&r->ledger, c);
    }
}

void run_decode_events(Rig *r, Reader *in, uint32_t nframes, uint8_t n_events)
{
    LV2_Atom_Forge *f = &r->forge;
    uint32_t offset = 0;
    for (int i = 0; i < n_events; i++) {
        uint8_t kind = take_u8(in) % 5;
        uint8_t gap = take_u8(in);
        offset += (uint32_t)(((uint64_t)gap * nframes) / 256);
        if (nframes && offset >= nframes) offset = nframes - 1;
        lv2_atom_forge_frame_time(f, offset);
        switch (kind) {
        case 0:
            add_position(r, in);
            break;
        case 1:
            add_midi(r, in, offset);
            break;
        case 2:
            add_patch_set(r, in);
            break;
        case 3:
            add_patch_get(r, in);
            break;
        default:
            add_any_atom(r, in, offset);
            break;
        }
    }
}
