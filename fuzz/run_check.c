/* The run() harness's output checker: what the plugin wrote in one cycle,
 * held to the invariants listed in fuzz_run.c's header. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/util.h>

#include "run_rig.h"

void run_violation(const Rig *r, const char *what)
{
    fprintf(stderr, "fuzz_run: cycle %llu: %s\n", (unsigned long long)r->cycle, what);
    abort();
}

static bool is_passthrough(Rig *r, uint32_t offset, const uint8_t *bytes, uint32_t size)
{
    for (int i = 0; i < r->n_inputs; i++)
        if (r->inputs[i].offset == offset && r->inputs[i].size == size &&
            !memcmp(r->inputs[i].bytes, bytes, size < 8 ? size : 8))
            return true;
    return false;
}

void run_held_clear(Rig *r)
{
    memset(r->held, 0, sizeof r->held);
}

/* One MIDI event into the mirror: the first three bytes as one message. */
static void held_apply(Rig *r, const uint8_t *m, uint32_t size)
{
    if (size < 3 || m[0] < 0x80 || m[1] > 127 || m[2] > 127) return;
    const int kind = m[0] >> 4, channel = m[0] & 15;
    if (kind == 9) r->held[channel][m[1]] = m[2] != 0;
    if (kind == 8) r->held[channel][m[1]] = false;
    if (kind == 11 && (m[1] == 120 || m[1] == 123)) memset(r->held[channel], 0, 128);
}

static uint16_t held_classes(const Rig *r)
{
    uint16_t classes = 0;
    for (int c = 0; c < 16; c++)
        for (int p = 0; p < 128; p++)
            if (r->held[c][p]) classes |= (uint16_t)(1u << (p % 12));
    return classes;
}

/* A control as the plugin reads it, when the host set a plain integer in
 * range; -1 otherwise (the check is then not made). */
static int plain_control(const Rig *r, const char *symbol, int low, int high)
{
    const float v = cantus_host_get_control(r->host, symbol);
    if (!(v >= (float)low && v <= (float)high) || v != (float)(int)v) return -1;
    return (int)v;
}

/* The harmony invariant for a note-on of `pitch`: with chord tones
 * everywhere and a held class inside the range, the pitch's class is
 * held. Every model the harness loads has at least 12 pitch tokens, so
 * every class of the range has a token. */
static void check_harmony(Rig *r, int pitch)
{
    if (r->held_unknown || plain_control(r, "harmony", 0, 2) != 2) return;
    const uint16_t classes = held_classes(r);
    const int a = plain_control(r, "note_low", 0, 127), b = plain_control(r, "note_high", 0, 127);
    if (!classes || a < 0 || b < 0) return;
    const int low = a < b ? a : b, high = a < b ? b : a;
    bool fits = false;
    for (int p = low; p <= high && !fits; p++)
        fits = classes >> (p % 12) & 1u;
    if (!fits || classes >> (pitch % 12) & 1u) return;
    char what[160];
    snprintf(what, sizeof what,
             "note-on %d with harmony everywhere, held classes 0x%03x in range %d-%d", pitch,
             classes, low, high);
    run_violation(r, what);
}

void run_check_output(Rig *r, uint32_t nframes, int64_t cycle_frame)
{
    if (r->n_inputs >= MAX_INPUTS) r->held_unknown = true;
    int applied = 0;
    const LV2_Atom_Sequence *seq = (const LV2_Atom_Sequence *)r->out;
    if (seq->atom.size == 0 || seq->atom.size > OUT_CAPACITY - sizeof(LV2_Atom))
        run_violation(r, "the output sequence has an impossible size");
    int64_t last = 0;
    LV2_ATOM_SEQUENCE_FOREACH(seq, ev)
    {
        int64_t t = ev->time.frames;
        char what[256];
        if (t < last) {
            snprintf(what, sizeof what, "output event at %lld after one at %lld", (long long)t,
                     (long long)last);
            run_violation(r, what);
        }
        if (t < 0 || t >= (int64_t)(nframes ? nframes : 1)) {
            snprintf(what, sizeof what, "output event at %lld outside a cycle of %u frames",
                     (long long)t, nframes);
            run_violation(r, what);
        }
        last = t;
        /* The input up to this frame has been applied: the plugin renders
         * up to an event's frame, applies it, then plays a step there. */
        for (; applied < r->n_inputs && r->inputs[applied].offset <= (uint32_t)t; applied++)
            held_apply(r, r->inputs[applied].bytes, r->inputs[applied].size);
        const uint8_t *bytes = (const uint8_t *)LV2_ATOM_BODY_CONST(&ev->body);
        if (r->verbose)
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
            run_violation(r, r->ledger.first_error);
        if (ev->body.size == 3 && (bytes[0] & 0xF0) == 0x90 && bytes[2] > 0)
            check_harmony(r, bytes[1]);
    }
    for (; applied < r->n_inputs; applied++)
        held_apply(r, r->inputs[applied].bytes, r->inputs[applied].size);
}
