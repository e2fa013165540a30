/* The state the run() harness (fuzz_run.c) shares with its input decoder
 * (run_input.c) and its output checker (run_check.c): the host, the atom
 * forge writing the plugin's control port, the buffers of both atom ports,
 * and the MIDI ledger. */
#ifndef CANTUS_FUZZ_RUN_RIG_H
#define CANTUS_FUZZ_RUN_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lv2/atom/forge.h>
#include <lv2/urid/urid.h>

#include "cantus_host.h"
#include "midi_ledger.h"

#define MODEL_URI    "urn:cantus:model"
#define IN_CAPACITY  (64 * 1024)
#define OUT_CAPACITY (256 * 1024)
#define MAX_INPUTS   16

/* The fuzzer's bytes, taken from the front; past the end every byte is 0,
 * so any input decodes. */
typedef struct {
    const uint8_t *p;
    size_t left;
} Reader;

uint8_t take_u8(Reader *r);
void take(Reader *r, void *out, size_t n);

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
    /* The notes held on the plugin's input, by the rules of
     * plugin/held_notes.h written out again; unknown once more MIDI went
     * into a cycle than `inputs` can remember. */
    bool held[16][128];
    bool held_unknown;
    uint64_t cycle;
    /* The patch:Set targets: valid, invalid, nonexistent, second model. */
    const char *model_paths[4];
    bool tame;    /* FUZZ_RUN_TAME (fuzz_run.c) */
    bool verbose; /* FUZZ_RUN_VERBOSE: print every output event */
} Rig;

/* run_input.c: the URIDs the decoder writes. */
void run_map_uris(Rig *r);

/* run_input.c: decodes n_events (kind, gap, body) from `in` into the forge's
 * current sequence, at frames that stay in order inside nframes, and
 * remembers the MIDI it put in (r->inputs) to recognise it passing through. */
void run_decode_events(Rig *r, Reader *in, uint32_t nframes, uint8_t n_events);

/* run_check.c: every invariant on what one cycle of nframes wrote to
 * r->out, starting at the host's frame cycle_frame; aborts on a violation. */
void run_check_output(Rig *r, uint32_t nframes, int64_t cycle_frame);

/* run_check.c: no note held (instantiate, activate, panic). */
void run_held_clear(Rig *r);

/* run_check.c: prints the cycle and the sentence, and aborts (libFuzzer
 * reports it as a crash). */
void run_violation(const Rig *r, const char *what);

#endif
