/* Random transport scripts; see script.h. */
#include "script.h"

#include <math.h>

uint32_t script_next(ScriptRng *rng)
{
    /* SplitMix64: enough for scripts, independent of the code under test. */
    uint64_t z = (rng->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

int script_int(ScriptRng *rng, int low, int high)
{
    return low + (int)(script_next(rng) % (uint32_t)(high - low + 1));
}

static uint32_t cycle_size(ScriptRng *rng)
{
    /* Log-uniform over 1 ... 8192. */
    return (uint32_t)floor(exp2(script_int(rng, 0, 13000) / 1000.0));
}

static void random_position(ScriptRng *rng, CantusPlayer *player, CantusPositionFields *f)
{
    const double bpm = 40.0 + script_int(rng, 0, 2600) / 10.0;
    const double beats_per_bar = script_int(rng, 0, 5) == 0 ? 3.5 : script_int(rng, 2, 7);
    const double here = cantus_grid_beat_at(&player->clock, player->now);
    switch (script_int(rng, 0, 11)) {
    case 0: /* stop */
        *f = (CantusPositionFields){.has_speed = true, .speed = 0.0};
        break;
    case 1: /* start or relocate somewhere */
    case 8:
    case 9:
    case 10:
        *f = rig_position(1.0, bpm, script_int(rng, -2, 300), script_int(rng, 0, 399) / 100.0,
                          beats_per_bar);
        break;
    case 2: /* a tempo change only */
        *f = (CantusPositionFields){.has_bpm = true, .bpm = bpm};
        break;
    case 3: /* loop wrap: back a few beats */
        *f = (CantusPositionFields){.has_beat = true,
                                    .beat = here - script_int(rng, 1, 16),
                                    .has_speed = true,
                                    .speed = 1.0};
        break;
    case 4: /* the continuous position, as hosts repeat it, with jitter */
        *f = (CantusPositionFields){.has_beat = true,
                                    .beat = here + (script_int(rng, 0, 200) - 100) * 1e-6};
        break;
    case 5: /* frame only (JACK without a timebase master) */
        *f = (CantusPositionFields){.has_frame = true,
                                    .frame = script_int(rng, 0, 1 << 24),
                                    .has_speed = true,
                                    .speed = 1.0};
        break;
    case 6: /* a meter change */
        *f = (CantusPositionFields){.has_beats_per_bar = true, .beats_per_bar = beats_per_bar};
        break;
    case 7: /* varispeed */
        *f = (CantusPositionFields){.has_speed = true, .speed = script_int(rng, 0, 20) / 10.0};
        break;
    default: /* a full position where we are */
        *f = rig_position(1.0, bpm, floor(here / 4.0), here - 4.0 * floor(here / 4.0), 4.0);
        break;
    }
}

static void random_controls(ScriptRng *rng, CantusControls *c)
{
    switch (script_int(rng, 0, 10)) {
    case 0:
        c->rate = script_int(rng, 1, 4);
        break;
    case 1:
        c->channel = script_int(rng, 1, 16);
        break;
    case 2:
        c->gate = (float)script_int(rng, 5, 100);
        break;
    case 3:
        c->seed = (uint32_t)script_int(rng, 0, 9);
        break;
    case 4:
        c->enabled = !c->enabled;
        break;
    case 5:
        c->phrase_bars = script_int(rng, 0, 4);
        break;
    case 6:
        c->rests = !c->rests;
        break;
    case 7:
        c->temperature = script_int(rng, 5, 400) / 100.0f;
        break;
    case 8:
        c->note_low = script_int(rng, 0, 100);
        c->note_high = c->note_low + script_int(rng, 0, 27);
        c->key = script_int(rng, 0, 11);
        c->scale = script_int(rng, 0, 8);
        break;
    case 9: /* dynamics: swing moves the step frames, accent and humanize velocities */
        c->swing = (float)script_int(rng, 50, 75);
        c->accent = (float)script_int(rng, 0, 100);
        c->humanize = (float)script_int(rng, 0, 100);
        break;
    default:
        c->fallback_bpm = script_int(rng, 20, 400);
        break;
    }
}

static void call(void (*hook)(void *), void *data)
{
    if (hook) hook(data);
}

void script_play(Rig *rig, ScriptRng *rng, int cycles, CantusEngine **spare, int spare_count,
                 const ScriptHooks *hooks)
{
    CantusPlayer *player = &rig->player;
    CantusControls controls = player->controls;
    for (int cycle = 0; cycle < cycles; cycle++) {
        const uint32_t frames = cycle_size(rng);
        const int events = script_int(rng, 0, 7) < 2 ? script_int(rng, 1, 3) : 0;
        uint32_t offsets[3];
        for (int i = 0; i < events; i++)
            offsets[i] = (uint32_t)script_int(rng, 0, (int)frames - 1);
        for (int i = 1; i < events; i++) /* sort the (at most 3) offsets */
            for (int j = i; j > 0 && offsets[j] < offsets[j - 1]; j--) {
                const uint32_t t = offsets[j];
                offsets[j] = offsets[j - 1];
                offsets[j - 1] = t;
            }
        /* Chosen before entering the audio thread: the script's own state. */
        CantusPositionFields positions[3];
        int kinds[3];
        CantusControls next = controls;
        if (script_int(rng, 0, 3) == 0) random_controls(rng, &next);
        for (int i = 0; i < events; i++) {
            kinds[i] = script_int(rng, 0, 9);
            if (kinds[i] < 7) random_position(rng, player, &positions[i]);
        }
        const int swap = spare_count > 0 && script_int(rng, 0, 40) == 0;
        const int spare_index = swap ? script_int(rng, 0, spare_count - 1) : 0;
        CantusEngine *offered = swap ? spare[spare_index] : NULL;
        if (swap) spare[spare_index] = NULL;

        /* Now and then the output is full: note-ons are refused. */
        rig->recorder.refuse_note_ons = script_int(rng, 0, 19) == 0;
        call(hooks ? hooks->enter : NULL, hooks ? hooks->data : NULL);
        player_set_controls(player, &next);
        player_work_ahead(player, frames);
        if (offered) engine_free(player_offer_engine(player, offered));
        uint32_t done = 0;
        for (int i = 0; i < events; i++) {
            player_render(player, offsets[i] - done);
            done = offsets[i];
            if (kinds[i] < 7) {
                player_position(player, &positions[i]);
            } else if (kinds[i] == 7) {
                player_release_all(player);
            } else {
                const uint8_t note[3] = {0x90, (uint8_t)script_int(rng, 0, 127), 90};
                player_midi_in(player, note, 3);
            }
        }
        player_render(player, frames - done);
        call(hooks ? hooks->leave : NULL, hooks ? hooks->data : NULL);
        controls = next;

        /* Retired engines go back to the spares (the worker's job). */
        CantusEngine *engine;
        while ((engine = player_take_retired(player))) {
            int slot = 0;
            while (slot < spare_count && spare[slot])
                slot++;
            if (slot < spare_count)
                spare[slot] = engine;
            else
                engine_free(engine);
        }
        if (swap && spare[spare_index] == NULL && !offered) spare[spare_index] = NULL;
    }
}
