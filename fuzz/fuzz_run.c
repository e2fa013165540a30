/* libFuzzer harness: the plugin's run(), loaded from the built bundle by the
 * project's lilv host (host/cantus_host.h), driven by byte streams decoded
 * into what a host can send. The host gives the plugin its features, worker
 * (deferred, so every input replays exactly; answers can be held back N
 * cycles), log and presets; this harness connects the plugin's two atom
 * ports to buffers of its own so that it can write any atom at all into the
 * control port and read every byte the plugin writes back.
 *
 * The byte language (a config byte, then ops until the bytes run out):
 *   config  bit 0: activate before the first cycle; bits 1-2: sample rate
 *           (44100, 48000, 96000, 22050)
 *   op % 6 == 0  RUN    size:u16 (mod 8193)  n:u8 (mod 9)  then n events:
 *                       kind:u8 gap:u8 body (the gap places the event at
 *                       prev + gap * size / 256, so frames stay in order)
 *       kind 0 time:Position  mask:u8, per set bit (speed, bpm, bar, barBeat,
 *              beatsPerBar, frame, beatUnit, beat) type:u8 (Int, Long,
 *              Float, Double, Bool, String, random type) and 8 value bytes
 *       kind 1 MIDI           len:u8 (mod 9) and that many bytes, any bytes
 *       kind 2 patch:Set      how:u8 (the model file: valid, invalid,
 *              nonexistent, large; the property: cantus:model, another,
 *              none, not a URID; the value: Path, String, Int, unterminated)
 *       kind 3 patch:Get      how:u8 (no property, cantus:model, another)
 *       kind 4 any atom       type:u8 len:u8 and len bytes of body
 *   op 1  CONTROL port:u8 (mod 16) sel:u8, then 4 raw float bytes if sel
 *         has its top bit, else a value from a table of hostile floats
 *   op 2  toggle activate / deactivate
 *   op 3  DELAY cycles:u8 (mod 6): the worker answers that many cycles late
 *   op 4  PRESET index:u8: load a shipped preset through lilv state
 *   op 5  PANIC: the panic control pressed for one cycle, then released
 *
 * Invariants checked after every cycle: output events in time order and
 * inside the cycle; every MIDI message the plugin writes valid; no note-on of
 * a sounding note and no note-off of a silent one (midi_ledger.h says why
 * both are errors); and at the end, after `enable` goes off for a cycle, no
 * note still sounding. MIDI passed through from the input is recognised
 * (same offset, same bytes) and not held to these rules, and a channel that
 * carried such notes is no longer checked for balance. Any violation aborts
 * with a sentence, which libFuzzer reports as a crash.
 */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/midi/midi.h>
#include <lv2/patch/patch.h>
#include <lv2/time/time.h>

#include "cantus_host.h"
#include "midi_ledger.h"

#ifndef FUZZ_BUNDLE_DIR
#error "FUZZ_BUNDLE_DIR must name the built cantus.lv2"
#endif
#ifndef FUZZ_MODEL_DIR
#error "FUZZ_MODEL_DIR must name fuzz/corpus/model"
#endif

#define MODEL_URI    "urn:cantus:model"
#define IN_CAPACITY  (64 * 1024)
#define OUT_CAPACITY (256 * 1024)
#define MAX_OPS      400
#define MAX_FRAMES   (1 << 19)
#define MAX_INPUTS   16

static const char *const control_symbols[16] = {
    "temperature",  "seed",      "gate",   "velocity", "channel", "rate",
    "note_low",     "note_high", "key",    "scale",    "rests",   "phrase_bars",
    "fallback_bpm", "follow",    "enable", "panic",
};

static const float hostile_floats[] = {
    0.0f,      -0.0f,         1.0f,          -1.0f,  0.5f,   2.0f,    3.0f,   4.0f,   5.0f,
    11.0f,     12.0f,         16.0f,         17.0f,  60.0f,  120.0f,  127.0f, 128.0f, 400.0f,
    1e9f,      -1e9f,         1e-30f,        1e-45f, 3e38f,  -3e38f,  NAN,    -NAN,   INFINITY,
    -INFINITY, 4294967295.0f, 2147483648.0f, 0.999f, 100.0f, 1000.0f, 0.001f,
};

static const char *model_paths[4];
static char valid_model[1024], invalid_model[1024], large_model[1024];

typedef struct {
    const uint8_t *p;
    size_t left;
} Reader;

static uint8_t take_u8(Reader *r)
{
    if (!r->left) return 0;
    r->left--;
    return *r->p++;
}

static void take(Reader *r, void *out, size_t n)
{
    memset(out, 0, n);
    size_t k = n < r->left ? n : r->left;
    memcpy(out, r->p, k);
    r->p += k;
    r->left -= k;
}

typedef struct {
    CantusHost *host;
    LV2_URID_Map map;
    LV2_Atom_Forge forge;
    uint8_t *in;
    uint8_t *out;
    uint32_t control_port, notify_port;
    MidiLedger ledger;
    /* MIDI put into this cycle, to recognise it when it passes through. */
    struct {
        uint32_t offset, size;
        uint8_t bytes[8];
    } inputs[MAX_INPUTS];
    int n_inputs;
    LV2_URID midi_Event, atom_Path, atom_String, atom_Int, atom_Long, atom_Float, atom_Double,
        atom_Bool, atom_URID, atom_Chunk, time_Position, patch_Set, patch_Get, patch_Put,
        patch_property, patch_value, cantus_model, other_property;
    LV2_URID position_keys[8];
    uint64_t cycle;
} Rig;

static Rig rig;
static bool verbose; /* FUZZ_RUN_VERBOSE=1: print every output event */
/* FUZZ_RUN_TAME=1 (never in CI): speeds beyond +-4, tempos beyond 1000 BPM
 * and song positions beyond a million beats are clamped before they are
 * sent, and no cycle is run while the plugin is inactive, so that a long run
 * can look past the open findings F2, F3 and F4 (docs/robustness.md) for
 * other bugs. */
static const double tame_limits[8] = {4.0, 1000.0, 1e6, 1e6, 1e3, 1e12, 1e9, 1e6};
static bool tame;

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
    return cantus_host_map((CantusHost *)handle, uri);
}

static void violation(const char *what)
{
    fprintf(stderr, "fuzz_run: cycle %llu: %s\n", (unsigned long long)rig.cycle, what);
    abort();
}

static void map_uris(Rig *r)
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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(valid_model, sizeof valid_model, "%s/rest_hold_v14_h4.safetensors", FUZZ_MODEL_DIR);
    snprintf(invalid_model, sizeof invalid_model, "%s/bad_fc_shape.safetensors", FUZZ_MODEL_DIR);
    snprintf(large_model, sizeof large_model, "%s/no_rest_v12_h3_l2.safetensors", FUZZ_MODEL_DIR);
    model_paths[0] = valid_model;
    model_paths[1] = invalid_model;
    model_paths[2] = "/nonexistent/cantus-fuzz/model.safetensors";
    model_paths[3] = large_model;
    /* Every input makes and frees a host, and lilv unloads the plugin with
     * its world. libFuzzer keeps pointers to the coverage counters of every
     * module it has seen, so the plugin is opened once more here and never
     * closed: its counters then stay mapped from the first input on. */
    if (!dlopen(FUZZ_BUNDLE_DIR "/cantus.so", RTLD_NOW)) {
        fprintf(stderr, "fuzz_run: %s\n", dlerror());
        abort();
    }
    verbose = getenv("FUZZ_RUN_VERBOSE") != NULL;
    tame = getenv("FUZZ_RUN_TAME") != NULL;
    rig.in = aligned_alloc(8, IN_CAPACITY);
    rig.out = aligned_alloc(8, OUT_CAPACITY);
    if (!rig.in || !rig.out) abort();
    return 0;
}

/* ------------------------------------------------------------ input atoms */

static void forge_number(Rig *r, uint8_t type, const uint8_t value[8])
{
    LV2_Atom_Forge *f = &r->forge;
    int32_t i32;
    int64_t i64;
    double d;
    memcpy(&i32, value, 4);
    memcpy(&i64, value, 8);
    memcpy(&d, value, 8);
    switch (type % 7) {
    case 0:
        lv2_atom_forge_int(f, i32);
        break;
    case 1:
        lv2_atom_forge_long(f, i64);
        break;
    case 2:
        lv2_atom_forge_float(f, (float)d);
        break;
    case 3:
        lv2_atom_forge_double(f, d);
        break;
    case 4:
        lv2_atom_forge_bool(f, i32 != 0);
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
    int32_t i32;
    int64_t i64;
    double d;
    memcpy(&i32, value, 4);
    memcpy(&i64, value, 8);
    memcpy(&d, value, 8);
    switch (type % 7) {
    case 0:
        i32 = i32 > limit ? (int32_t)limit : i32 < -limit ? -(int32_t)limit : i32;
        memcpy(value, &i32, 4);
        break;
    case 1:
        i64 = i64 > limit ? (int64_t)limit : i64 < -limit ? -(int64_t)limit : i64;
        memcpy(value, &i64, 8);
        break;
    case 2:
    case 3:
        if (isfinite(d) && fabs(d) > limit) d = d > 0 ? limit : -limit;
        memcpy(value, &d, 8);
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
        if (tame) clamp_value(type, value, tame_limits[i]);
        lv2_atom_forge_key(f, r->position_keys[i]);
        forge_number(r, type, value);
    }
    lv2_atom_forge_pop(f, &frame);
}

static void add_patch_set(Rig *r, Reader *in)
{
    LV2_Atom_Forge *f = &r->forge;
    uint8_t how = take_u8(in);
    const char *path = model_paths[how & 3];
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

/* ------------------------------------------------------------ one cycle */

static bool is_passthrough(Rig *r, uint32_t offset, const uint8_t *bytes, uint32_t size)
{
    for (int i = 0; i < r->n_inputs; i++)
        if (r->inputs[i].offset == offset && r->inputs[i].size == size &&
            !memcmp(r->inputs[i].bytes, bytes, size < 8 ? size : 8))
            return true;
    return false;
}

static void check_output(Rig *r, uint32_t nframes, int64_t cycle_frame)
{
    const LV2_Atom_Sequence *seq = (const LV2_Atom_Sequence *)r->out;
    if (seq->atom.size == 0 || seq->atom.size > OUT_CAPACITY - sizeof(LV2_Atom))
        violation("the output sequence has an impossible size");
    int64_t last = 0;
    LV2_ATOM_SEQUENCE_FOREACH(seq, ev)
    {
        int64_t t = ev->time.frames;
        char what[256];
        if (t < last) {
            snprintf(what, sizeof what, "output event at %lld after one at %lld", (long long)t,
                     (long long)last);
            violation(what);
        }
        if (t < 0 || t >= (int64_t)(nframes ? nframes : 1)) {
            snprintf(what, sizeof what, "output event at %lld outside a cycle of %u frames",
                     (long long)t, nframes);
            violation(what);
        }
        last = t;
        const uint8_t *bytes = (const uint8_t *)LV2_ATOM_BODY_CONST(&ev->body);
        if (verbose)
            fprintf(stderr, "  cycle %llu +%lld %s %u bytes %02x %02x %02x\n",
                    (unsigned long long)r->cycle, (long long)t,
                    cantus_host_unmap(r->host, ev->body.type), ev->body.size,
                    ev->body.size > 0 ? bytes[0] : 0, ev->body.size > 1 ? bytes[1] : 0,
                    ev->body.size > 2 ? bytes[2] : 0);
        if (ev->body.type != r->midi_Event) continue;
        if (is_passthrough(r, (uint32_t)t, bytes, ev->body.size)) {
            if (ev->body.size >= 1 && (bytes[0] & 0xE0) == 0x80)
                ledger_ignore_channel(&r->ledger, bytes[0] & 0x0F);
            continue;
        }
        if (!ledger_message(&r->ledger, cycle_frame + t, bytes, ev->body.size))
            violation(r->ledger.first_error);
    }
}

/* Decodes n_events into the control sequence and runs one cycle; a dry
 * cycle is decoded (the stream stays aligned) but not run. */
static void run_cycle(Rig *r, uint32_t nframes, Reader *in, uint8_t n_events, bool dry)
{
    LV2_Atom_Forge *f = &r->forge;
    /* No event can sit inside a cycle of no frames: its events are decoded
     * into scratch space (the stream stays aligned) and the plugin gets an
     * empty sequence. */
    uint8_t *target = nframes ? r->in : r->in + IN_CAPACITY / 2;
    lv2_atom_forge_set_buffer(f, target, IN_CAPACITY / 2);
    LV2_Atom_Forge_Frame seq;
    lv2_atom_forge_sequence_head(f, &seq, 0);
    r->n_inputs = 0;
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
    if (!nframes) {
        r->n_inputs = 0;
        lv2_atom_forge_set_buffer(f, r->in, IN_CAPACITY / 2);
        lv2_atom_forge_sequence_head(f, &seq, 0);
    }
    lv2_atom_forge_pop(f, &seq);
    if (dry) return;

    LV2_Atom *out = (LV2_Atom *)r->out;
    out->type = r->atom_Chunk;
    out->size = OUT_CAPACITY - sizeof(LV2_Atom);
    LilvInstance *instance = cantus_host_instance(r->host);
    lilv_instance_connect_port(instance, r->control_port, r->in);
    lilv_instance_connect_port(instance, r->notify_port, r->out);
    int64_t cycle_frame = cantus_host_frame(r->host);
    if (nframes)
        cantus_host_run(r->host, nframes);
    else
        lilv_instance_run(instance, 0); /* the host library runs 1.. frames */
    check_output(r, nframes, cycle_frame);
    r->cycle++;
}

static void set_control(Rig *r, Reader *in)
{
    const char *symbol = control_symbols[take_u8(in) % 16];
    uint8_t sel = take_u8(in);
    float value;
    if (sel & 0x80)
        take(in, &value, sizeof value);
    else
        value = hostile_floats[sel % (sizeof hostile_floats / sizeof hostile_floats[0])];
    cantus_host_set_control(r->host, symbol, value);
}

static void load_preset(Rig *r, Reader *in)
{
    uint8_t index = take_u8(in);
    CantusPreset *presets = NULL;
    int count = cantus_host_presets(r->host, &presets);
    if (count > 0) {
        char err[256];
        cantus_host_load_preset(r->host, presets[index % count].uri, err, sizeof err);
    }
    cantus_host_presets_free(presets, count);
}

static const double sample_rates[4] = {44100.0, 48000.0, 96000.0, 22050.0};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Reader in = {data, size};
    uint8_t config = take_u8(&in);
    CantusHostConfig hc = {0};
    hc.bundle_dir = FUZZ_BUNDLE_DIR;
    hc.sample_rate = sample_rates[(config >> 1) & 3];
    hc.block_length = 8192;
    hc.worker = CANTUS_WORKER_DEFERRED;
    char err[512];
    memset(&rig.ledger, 0, sizeof rig.ledger);
    rig.cycle = 0;
    rig.host = cantus_host_new(&hc, err, sizeof err);
    if (!rig.host) {
        fprintf(stderr, "fuzz_run: cannot load the plugin: %s\n", err);
        abort();
    }
    rig.map = (LV2_URID_Map){rig.host, map_uri};
    lv2_atom_forge_init(&rig.forge, &rig.map);
    map_uris(&rig);
    const LilvPlugin *plugin = cantus_host_plugin(rig.host);
    LilvWorld *world = cantus_host_world(rig.host);
    LilvNode *sym = lilv_new_string(world, "control");
    rig.control_port = lilv_port_get_index(plugin, lilv_plugin_get_port_by_symbol(plugin, sym));
    lilv_node_free(sym);
    sym = lilv_new_string(world, "notify");
    rig.notify_port = lilv_port_get_index(plugin, lilv_plugin_get_port_by_symbol(plugin, sym));
    lilv_node_free(sym);

    if (config & 1) cantus_host_activate(rig.host);

    long frames = 0;
    for (int ops = 0; in.left && ops < MAX_OPS && frames < MAX_FRAMES; ops++) {
        switch (take_u8(&in) % 6) {
        case 0: {
            uint16_t n16;
            take(&in, &n16, sizeof n16);
            uint32_t nframes = n16 % 8193u;
            uint8_t n_events = take_u8(&in) % 9;
            bool dry = tame && !cantus_host_is_active(rig.host);
            run_cycle(&rig, nframes, &in, n_events, dry);
            frames += nframes;
            break;
        }
        case 1:
            set_control(&rig, &in);
            break;
        case 2:
            if (cantus_host_is_active(rig.host))
                cantus_host_deactivate(rig.host);
            else
                cantus_host_activate(rig.host);
            break;
        case 3:
            cantus_host_set_worker_delay(rig.host, take_u8(&in) % 6);
            break;
        case 4:
            load_preset(&rig, &in);
            break;
        default: {
            if (tame && !cantus_host_is_active(rig.host)) break;
            cantus_host_set_control(rig.host, "panic", 1.0f);
            Reader none = {NULL, 0};
            run_cycle(&rig, 64, &none, 0, false);
            cantus_host_set_control(rig.host, "panic", 0.0f);
            break;
        }
        }
    }

    /* The end of a take: the host disables the plugin for a cycle. Every
     * note the plugin started must have ended by then. */
    cantus_host_activate(rig.host);
    cantus_host_set_control(rig.host, "enable", 0.0f);
    Reader none = {NULL, 0};
    run_cycle(&rig, 64, &none, 0, false);
    if (ledger_sounding(&rig.ledger) != 0) {
        char what[128];
        snprintf(what, sizeof what, "%d note(s) still sounding after a disabled cycle",
                 ledger_sounding(&rig.ledger));
        violation(what);
    }
    if (verbose)
        fprintf(stderr, "fuzz_run: %llu cycles, %ld note-ons, %ld note-offs, %u log lines\n",
                (unsigned long long)rig.cycle, rig.ledger.note_ons, rig.ledger.note_offs,
                cantus_host_log_count(rig.host));
    cantus_host_free(rig.host);
    rig.host = NULL;
    return 0;
}
