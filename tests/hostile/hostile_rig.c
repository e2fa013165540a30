/* The hostile tests' rig: see hostile_rig.h. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <unistd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "hostile_rig.h"

#ifndef CANTUS_BUNDLE_DIR
#error "CANTUS_BUNDLE_DIR must name the built cantus.lv2"
#endif

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A run() that does not return stops the host: the test dies with a
 * sentence instead of waiting for Meson's timeout. */
static void watchdog(int sig)
{
    (void)sig;
    static const char msg[] = "HANG: a run() did not return within 20 s\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(3);
}

void rig_open(HostileRig *rig, double sample_rate, uint32_t block_length)
{
    signal(SIGALRM, watchdog);
    memset(rig, 0, sizeof *rig);
    ledger_init(&rig->ledger);
    rig->last_note_on = -1;
    rig->shortest_gap = INT64_MAX;
    CantusHostConfig config = {0};
    config.bundle_dir = CANTUS_BUNDLE_DIR;
    config.sample_rate = sample_rate;
    config.block_length = block_length;
    config.worker = CANTUS_HOST_WORKER_DEFERRED;
    char err[512] = "";
    rig->host = cantus_host_new(&config, err, sizeof err);
    if (!rig->host) fail_msg("cannot load the plugin from %s: %s", CANTUS_BUNDLE_DIR, err);
    cantus_host_set_control(rig->host, "rests", 0.0f);
    cantus_host_set_control(rig->host, "gate", 50.0f);
    /* The cases count steps at one a beat, whatever grid the bundle's
     * default model was trained at ("as trained" would follow it). */
    cantus_host_set_control(rig->host, "rate", 1.0f);
}

void rig_close(HostileRig *rig)
{
    cantus_host_free(rig->host);
    rig->host = NULL;
}

static void check_events(HostileRig *rig, uint32_t nframes, uint32_t n_events)
{
    uint32_t last = 0;
    for (uint32_t i = 0; i < n_events; i++) {
        const CantusEvent *ev = cantus_host_event(rig->host, i);
        if (ev->offset < last)
            fail_msg("cycle %ld: event at %u after one at %u", rig->cycles, ev->offset, last);
        if (ev->offset >= nframes)
            fail_msg("cycle %ld: event at %u outside a cycle of %u frames", rig->cycles, ev->offset,
                     nframes);
        last = ev->offset;
        if (ev->kind == CANTUS_EVENT_PATCH_SET) {
            rig->patch_sets++;
            continue;
        }
        if (ev->kind != CANTUS_EVENT_MIDI)
            fail_msg("cycle %ld: an output event at %u is neither MIDI nor patch:Set", rig->cycles,
                     ev->offset);
        uint8_t bytes[3] = {0, 0, 0};
        uint32_t size = ev->midi_size;
        memcpy(bytes, ev->midi, size < 3 ? size : 3);
        if (!ledger_message(&rig->ledger, ev->frame, bytes, size > 3 ? 4 : size))
            fail_msg("cycle %ld: %s", rig->cycles, rig->ledger.first_error);
        if (size == 3 && (bytes[0] & 0xF0) == 0x90 && bytes[2] > 0) {
            if (rig->last_note_on >= 0 && ev->frame - rig->last_note_on < rig->shortest_gap)
                rig->shortest_gap = ev->frame - rig->last_note_on;
            rig->last_note_on = ev->frame;
            rig->note_ons_total++;
        }
    }
}

uint32_t rig_cycle(HostileRig *rig, uint32_t nframes)
{
    double start = now_ms();
    alarm(20);
    uint32_t n = cantus_host_run(rig->host, nframes);
    alarm(0);
    double took = now_ms() - start;
    if (took > rig->slowest_run_ms) rig->slowest_run_ms = took;
    /* A host's cycle lasts milliseconds: a run() of a second (ASan and a
     * loaded machine included) has stopped the music long before. */
    if (took > 1000.0)
        fail_msg("cycle %ld: run() of %u frames took %.0f ms", rig->cycles, nframes, took);
    check_events(rig, nframes, n);
    rig->cycles++;
    return n;
}

const char *rig_announced(HostileRig *rig, uint32_t n_events)
{
    const char *path = NULL;
    for (uint32_t i = 0; i < n_events; i++) {
        const CantusEvent *ev = cantus_host_event(rig->host, i);
        if (ev->kind == CANTUS_EVENT_PATCH_SET && ev->value_path) path = ev->value_path;
    }
    return path;
}

void rig_run_for(HostileRig *rig, int64_t frames, uint32_t block)
{
    while (frames > 0) {
        uint32_t n = frames < block ? (uint32_t)frames : block;
        rig_cycle(rig, n);
        frames -= n;
    }
}

void rig_position(HostileRig *rig, double speed, double bpm, double bar, double bar_beat,
                  double beats_per_bar, double frame)
{
    CantusPosition pos = {0};
    pos.fields = CANTUS_POS_SPEED | CANTUS_POS_BPM | CANTUS_POS_BAR | CANTUS_POS_BAR_BEAT |
                 CANTUS_POS_BEATS_PER_BAR | CANTUS_POS_FRAME;
    pos.speed = speed;
    pos.bpm = bpm;
    pos.bar = (int64_t)bar;
    pos.bar_beat = bar_beat;
    pos.beats_per_bar = beats_per_bar;
    pos.frame = (int64_t)frame;
    pos.style = CANTUS_NUMBERS_DOUBLE;
    if (!cantus_host_add_position(rig->host, 0, &pos))
        fail_msg("the host could not queue a position");
}

void rig_assert_silent_after_disable(HostileRig *rig)
{
    cantus_host_set_control(rig->host, "enable", 0.0f);
    rig_cycle(rig, 64);
    if (ledger_sounding(&rig->ledger) != 0)
        fail_msg("%d note(s) still sounding after a disabled cycle", ledger_sounding(&rig->ledger));
    cantus_host_set_control(rig->host, "enable", 1.0f);
}
