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

void run_check_output(Rig *r, uint32_t nframes, int64_t cycle_frame)
{
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
    }
}
