/* A property test over random transport scripts with fixed seeds: whatever a
 * host does (start anywhere, stop, relocate, wrap a loop, change tempo, at
 * any frame of any cycle, with cycles of changing length and either way of
 * sending positions), every note-on is on its exact step frame, every note
 * ends within its gate, and no note is left hanging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixture.h"

typedef struct {
    uint64_t state;
} Dice;

static uint32_t roll(Dice *d, uint32_t n)
{
    d->state = d->state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((d->state >> 33) % n);
}

static const Ratio *tempo_choices(int *count)
{
    static Ratio tempos[9];
    tempos[0] = ratio(60, 1);
    tempos[1] = ratio(723, 10);
    tempos[2] = ratio(179, 2);
    tempos[3] = ratio(97, 1);
    tempos[4] = ratio(120, 1);
    tempos[5] = ratio(130, 1);
    tempos[6] = ratio(140, 1);
    tempos[7] = ratio(174, 1);
    tempos[8] = ratio(200, 1);
    *count = 9;
    return tempos;
}

/* The plugin takes a position within 1/64 beat of where it thinks it is as
 * a correction of its clock, not a relocation (hosts that send a position
 * every cycle round it), so a script's jumps are at least a step long. */
static Ratio jump(Session *s, uint32_t offset, Ratio to)
{
    Ratio now = session_beat_at(s, cantus_host_frame(s->host) + offset);
    double gap = ratio_value(to) - ratio_value(now);
    if (gap > -0.25 && gap < 0.25) to = ratio_add(to, ratio(4, 1));
    return to;
}

/* Runs about `frames` in cycles of random length up to `max_block`. */
static void run_random(Session *s, Dice *d, int64_t frames, uint32_t max_block)
{
    while (frames > 0) {
        uint32_t n = 1 + roll(d, max_block);
        if ((int64_t)n > frames) n = (uint32_t)frames;
        session_run(s, n);
        frames -= n;
    }
}

static void play_script(uint64_t seed)
{
    print_message("script %llu\n", (unsigned long long)seed);
    Dice d = {seed * 0x9e3779b97f4a7c15ull + 1};
    const int64_t sample_rates[] = {44100, 48000, 96000};
    /* Cycles are of random length up to these, so short ones come too. */
    const uint32_t blocks[] = {16, 64, 256, 1024, 4096, 8192};
    int n_tempos;
    const Ratio *tempos = tempo_choices(&n_tempos);
    int64_t sr = sample_rates[roll(&d, 3)];
    uint32_t max_block = blocks[roll(&d, 6)];
    int rate = 1 + (int)roll(&d, 4);
    double gate = 5 + roll(&d, 96);
    PositionPolicy policy = roll(&d, 2) ? SEND_EVERY_CYCLE : SEND_ON_CHANGE;

    CantusHost *host = fixture_host((double)sr, max_block, CANTUS_HOST_WORKER_DEFERRED);
    cantus_host_set_control(host, "gate", (float)gate);
    Session s;
    session_init(&s, host, rate, policy);
    const bool verbose = getenv("CANTUS_TEST_VERBOSE") != NULL;
    if (verbose)
        printf("sr %lld, max block %u, rate %d, gate %.0f, policy %d\n", (long long)sr, max_block,
               rate, gate, (int)policy);
    double slowest = 1e9;
    int64_t frames_per_beat_max = sr; /* 60 BPM */
    for (int action = 0; action < 40; ++action) {
        /* Changes land at an offset inside the next cycle, which is at
         * least that long. */
        uint32_t next = 1 + roll(&d, max_block);
        uint32_t offset = roll(&d, next);
        int kind = (int)roll(&d, 6);
        if (verbose)
            printf("  frame %lld: action %d at offset %u of %u\n",
                   (long long)cantus_host_frame(host), kind, offset, next);
        switch (kind) {
        case 0:
        case 1: {
            Ratio bpm = tempos[roll(&d, (uint32_t)n_tempos)];
            if (ratio_value(bpm) < slowest) slowest = ratio_value(bpm);
            session_start(&s, offset, ratio(roll(&d, 256), 4), bpm);
            break;
        }
        case 2:
            session_stop(&s, offset);
            break;
        case 3:
            session_locate(&s, offset, jump(&s, offset, ratio(roll(&d, 512), 8)));
            break;
        case 4: {
            Ratio bpm = tempos[roll(&d, (uint32_t)n_tempos)];
            if (ratio_value(bpm) < slowest) slowest = ratio_value(bpm);
            session_tempo(&s, offset, bpm);
            break;
        }
        default: /* a loop wraps back two bars from wherever it is */
            session_locate(&s, offset, jump(&s, offset, ratio(roll(&d, 16) * 4, 1)));
            break;
        }
        session_run(&s, next);
        run_random(&s, &d, (int64_t)roll(&d, (uint32_t)(2 * frames_per_beat_max)), max_block);
    }
    session_stop(&s, 0);
    session_run(&s, 1);
    if (s.n_expected > 0) assert_notes_on_grid(&s);
    assert_no_hanging_notes(&s);
    if (slowest < 1e9) assert_notes_within_gate(&s, gate, slowest);
    session_free(&s);
    cantus_host_free(host);
}

static void random_transport_scripts(void **state)
{
    (void)state;
    int scripts = 0;
    const char *only = getenv("CANTUS_TEST_SCRIPT");
    if (only) {
        play_script(strtoull(only, NULL, 10));
        return;
    }
    for (uint64_t seed = 1; seed <= 200; ++seed, ++scripts)
        play_script(seed);
    assert_int_equal(scripts, 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_transport_scripts),
    };
    return cmocka_run_group_tests_name("transport property", tests, NULL, NULL);
}
