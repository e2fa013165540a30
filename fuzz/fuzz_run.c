/* libFuzzer harness: the plugin's run(), loaded from the built bundle by the
 * project's lilv host (host/cantus_host.h), driven by byte streams decoded
 * into what a host can send. The host gives the plugin its features, worker
 * (deferred, so every input replays exactly; answers can be held back N
 * cycles), log and presets; this harness connects the plugin's two atom
 * ports to buffers of its own so that it can write any atom at all into the
 * control port and read every byte the plugin writes back.
 *
 * Its input decoder is run_input.c, its output checker run_check.c, and
 * the state they share run_rig.h.
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
 *   op 1  CONTROL port:u8 (mod 21: every input control up to harmony, in
 *         port order) sel:u8, then 4 raw float bytes if sel has its top
 *         bit, else a value from a table of hostile floats
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
 * carried such notes is no longer checked for balance. Harmony: while the
 * `harmony` control is 2 (chord tones everywhere), notes are held on the
 * input (as a mirror of the held-note rules, fed the MIDI this harness
 * sent, has them) and the range holds a pitch of a held class, every note
 * the plugin starts has a held pitch class (run_check.c). Any violation
 * aborts with a sentence, which libFuzzer reports as a crash.
 */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/forge.h>

#include "run_rig.h"

#ifndef FUZZ_BUNDLE_DIR
#error "FUZZ_BUNDLE_DIR must name the built cantus.lv2"
#endif
#ifndef FUZZ_MODEL_DIR
#error "FUZZ_MODEL_DIR must name fuzz/corpus/model"
#endif

#define MAX_OPS    400
#define MAX_FRAMES (1 << 19)

static const char *const control_symbols[] = {
    "temperature", "seed",  "gate",      "velocity", "channel",     "rate",         "note_low",
    "note_high",   "key",   "scale",     "rests",    "phrase_bars", "fallback_bpm", "follow",
    "enable",      "panic", "transpose", "accent",   "humanize",    "swing",        "harmony",
};
#define CONTROL_COUNT (sizeof control_symbols / sizeof control_symbols[0])

static const float hostile_floats[] = {
    0.0f,      -0.0f,         1.0f,          -1.0f,  0.5f,   2.0f,    3.0f,   4.0f,   5.0f,
    11.0f,     12.0f,         16.0f,         17.0f,  60.0f,  120.0f,  127.0f, 128.0f, 400.0f,
    1e9f,      -1e9f,         1e-30f,        1e-45f, 3e38f,  -3e38f,  NAN,    -NAN,   INFINITY,
    -INFINITY, 4294967295.0f, 2147483648.0f, 0.999f, 100.0f, 1000.0f, 0.001f,
};

static char valid_model[1024], invalid_model[1024], large_model[1024];

static Rig rig;

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
    return cantus_host_map((CantusHost *)handle, uri);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(valid_model, sizeof valid_model, "%s/rest_hold_v14_h4.safetensors", FUZZ_MODEL_DIR);
    snprintf(invalid_model, sizeof invalid_model, "%s/bad_fc_shape.safetensors", FUZZ_MODEL_DIR);
    snprintf(large_model, sizeof large_model, "%s/no_rest_v12_h3_l2.safetensors", FUZZ_MODEL_DIR);
    rig.model_paths[0] = valid_model;
    rig.model_paths[1] = invalid_model;
    rig.model_paths[2] = "/nonexistent/cantus-fuzz/model.safetensors";
    rig.model_paths[3] = large_model;
    /* Every input makes and frees a host, and lilv unloads the plugin with
     * its world. libFuzzer keeps pointers to the coverage counters of every
     * module it has seen, so the plugin is opened once more here and never
     * closed: its counters then stay mapped from the first input on. */
    if (!dlopen(FUZZ_BUNDLE_DIR "/cantus.so", RTLD_NOW)) {
        fprintf(stderr, "fuzz_run: %s\n", dlerror());
        abort();
    }
    rig.verbose = getenv("FUZZ_RUN_VERBOSE") != NULL;
    /* FUZZ_RUN_TAME=1 (never in CI): speeds beyond +-4, tempos beyond 1000
     * BPM and song positions beyond a million beats are clamped before they
     * are sent (run_input.c), and no cycle is run while the plugin is
     * inactive, so that a long run can look past three bugs it once found
     * (nonsense tempos overflowing the output, notes of a run() before
     * activate() left hanging, far song positions hanging run(); see the
     * bug table of docs/robustness.md) for other bugs. */
    rig.tame = getenv("FUZZ_RUN_TAME") != NULL;
    rig.in = aligned_alloc(8, IN_CAPACITY);
    rig.out = aligned_alloc(8, OUT_CAPACITY);
    if (!rig.in || !rig.out) abort();
    return 0;
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
    run_decode_events(r, in, nframes, n_events);
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
    run_check_output(r, nframes, cycle_frame);
    r->cycle++;
}

static void set_control(Rig *r, Reader *in)
{
    const char *symbol = control_symbols[take_u8(in) % CONTROL_COUNT];
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
    hc.worker = CANTUS_HOST_WORKER_DEFERRED;
    char err[512];
    memset(&rig.ledger, 0, sizeof rig.ledger);
    run_held_clear(&rig);
    rig.held_unknown = false;
    rig.cycle = 0;
    rig.host = cantus_host_new(&hc, err, sizeof err);
    if (!rig.host) {
        fprintf(stderr, "fuzz_run: cannot load the plugin: %s\n", err);
        abort();
    }
    rig.map = (LV2_URID_Map){rig.host, map_uri};
    lv2_atom_forge_init(&rig.forge, &rig.map);
    run_map_uris(&rig);
    const LilvPlugin *plugin = cantus_host_plugin(rig.host);
    LilvWorld *world = cantus_host_world(rig.host);
    LilvNode *sym = lilv_new_string(world, "control");
    rig.control_port = lilv_port_get_index(plugin, lilv_plugin_get_port_by_symbol(plugin, sym));
    lilv_node_free(sym);
    sym = lilv_new_string(world, "notify");
    rig.notify_port = lilv_port_get_index(plugin, lilv_plugin_get_port_by_symbol(plugin, sym));
    lilv_node_free(sym);

    if (config & 1) cantus_host_activate(rig.host);
    /* activate() forgets held notes (player_reset), so does panic. */

    long frames = 0;
    for (int ops = 0; in.left && ops < MAX_OPS && frames < MAX_FRAMES; ops++) {
        switch (take_u8(&in) % 6) {
        case 0: {
            uint16_t n16;
            take(&in, &n16, sizeof n16);
            uint32_t nframes = n16 % 8193u;
            uint8_t n_events = take_u8(&in) % 9;
            bool dry = rig.tame && !cantus_host_is_active(rig.host);
            run_cycle(&rig, nframes, &in, n_events, dry);
            frames += nframes;
            break;
        }
        case 1:
            set_control(&rig, &in);
            break;
        case 2:
            if (cantus_host_is_active(rig.host)) {
                cantus_host_deactivate(rig.host);
            } else {
                cantus_host_activate(rig.host);
                run_held_clear(&rig);
            }
            break;
        case 3:
            cantus_host_set_worker_delay(rig.host, take_u8(&in) % 6);
            break;
        case 4:
            load_preset(&rig, &in);
            break;
        default: {
            if (rig.tame && !cantus_host_is_active(rig.host)) break;
            cantus_host_set_control(rig.host, "panic", 1.0f);
            run_held_clear(&rig);
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
        run_violation(&rig, what);
    }
    if (rig.verbose)
        fprintf(stderr, "fuzz_run: %llu cycles, %ld note-ons, %ld note-offs, %u log lines\n",
                (unsigned long long)rig.cycle, rig.ledger.note_ons, rig.ledger.note_offs,
                cantus_host_log_count(rig.host));
    cantus_host_free(rig.host);
    rig.host = NULL;
    return 0;
}
