/* cantus-bench-run: how long the plugin's audio-thread work takes per
 * cycle, loaded through lilv as a host loads it, at 48 kHz and 64-frame
 * cycles with the transport rolling at 120 BPM, over 10^5 cycles.
 *
 * Timed is exactly what the plugin does on the audio thread: run(), then
 * work_response() and end_run() (the host's hooks bracket them). Three
 * runs, peers of one another in the same process:
 *   warm          nothing disturbs the caches;
 *   cold steps    before every cycle that holds a step, a buffer of twice
 *                 the L3 is streamed through, as a host's other work would;
 *   cold around   the same before the step cycle and the 8 cycles after
 *                 each step, where the plugin works ahead (prefetch, LSTM
 *                 step), so no part of its per-step work meets a warm cache.
 * Figures are median, p99, p99.9 and max, in microseconds and as a share of
 * the cycle's time budget (64 / 48000 s = 1333 us). It prints; it never
 * fails. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sched.h>
#include <sys/mman.h>

#include "cantus_host.h"

#define SAMPLE_RATE 48000
#define BLOCK       64
#define BPM         120
#define EVICT_BYTES (64u << 20) /* twice the 32 MiB L3 of this machine */
#define AROUND      8

typedef struct {
    struct timespec start;
    double cycle_ns;
} Timer;

static void enter(void *data)
{
    Timer *t = data;
    clock_gettime(CLOCK_MONOTONIC, &t->start);
}

static void leave(void *data)
{
    Timer *t = data;
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    t->cycle_ns +=
        (double)(end.tv_sec - t->start.tv_sec) * 1e9 + (double)(end.tv_nsec - t->start.tv_nsec);
}

static volatile uint64_t evict_sink;

static void evict(uint64_t *buffer)
{
    size_t n = EVICT_BYTES / sizeof(uint64_t);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i += 8) {
        buffer[i] += 1;
        sum += buffer[i];
    }
    evict_sink += sum;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef enum { WARM, COLD_STEPS, COLD_AROUND } Mode;

static const char *mode_name[] = {"warm", "cold steps", "cold around"};

/* The frames where steps fall: 24000 a beat at 120 BPM, 48 kHz, rate 1. */
static bool cycle_has_step(int64_t cycle, int rate)
{
    const int64_t step = (int64_t)SAMPLE_RATE * 60 / BPM / rate;
    int64_t first = cycle * BLOCK, last = first + BLOCK - 1;
    return last / step != (first - 1) / step || first == 0;
}

static bool cycles_since_step(int64_t cycle, int rate, int within)
{
    for (int back = 0; back <= within; ++back)
        if (cycle - back >= 0 && cycle_has_step(cycle - back, rate)) return true;
    return false;
}

typedef struct {
    double median, p99, p999, max;
    double step_median, step_max;
    int steps;
    long worst_cycle;
} Figures;

static bool run(const char *preset, const char *model, Mode mode, long cycles, uint64_t *buffer,
                Figures *out)
{
    char err[512];
    CantusHostConfig config = {.sample_rate = SAMPLE_RATE, .block_length = BLOCK};
    CantusHost *host = cantus_host_new(&config, err, sizeof(err));
    if (!host) {
        fprintf(stderr, "cantus-bench-run: %s\n", err);
        return false;
    }
    if (preset && !cantus_host_load_preset(host, preset, err, sizeof(err))) {
        fprintf(stderr, "cantus-bench-run: %s\n", err);
        cantus_host_free(host);
        return false;
    }
    /* Every step sounds, so every step does the full work. */
    cantus_host_set_control(host, "rests", 0);
    int rate = (int)cantus_host_get_control(host, "rate");
    if (rate < 1) rate = 1;
    cantus_host_activate(host);
    if (model) {
        char *path = realpath(model, NULL);
        if (!path) {
            fprintf(stderr, "cantus-bench-run: no model file %s\n", model);
            cantus_host_free(host);
            return false;
        }
        cantus_host_add_patch_set_path(host, 0, "urn:cantus:model", path);
        for (int i = 0; i < 8; ++i)
            cantus_host_run(host, BLOCK);
        free(path);
    }
    Timer timer = {0};
    cantus_host_set_rt_hooks(host, enter, leave, &timer);
    double *ns = malloc((size_t)cycles * sizeof(double));
    double *step_ns = malloc((size_t)cycles * sizeof(double));
    int steps = 0;
    /* The transport rolls from bar 0, told once, as Ardour and jalv tell it. */
    CantusPosition pos = {
        .fields = CANTUS_POS_ALL, .speed = 1, .bpm = BPM, .beats_per_bar = 4, .beat_unit = 4};
    cantus_host_add_position(host, 0, &pos);
    for (long c = 0; c < cycles; ++c) {
        bool step = cycle_has_step(c, rate);
        if ((mode == COLD_STEPS && step) ||
            (mode == COLD_AROUND && cycles_since_step(c, rate, AROUND)))
            evict(buffer);
        timer.cycle_ns = 0;
        cantus_host_run(host, BLOCK);
        ns[c] = timer.cycle_ns;
        if (step) step_ns[steps++] = timer.cycle_ns;
    }
    out->worst_cycle = 0;
    for (long c = 1; c < cycles; ++c)
        if (ns[c] > ns[out->worst_cycle]) out->worst_cycle = c;
    qsort(ns, (size_t)cycles, sizeof(double), compare);
    qsort(step_ns, (size_t)steps, sizeof(double), compare);
    out->median = ns[cycles / 2];
    out->p99 = ns[(long)(cycles * 0.99)];
    out->p999 = ns[(long)(cycles * 0.999)];
    out->max = ns[cycles - 1];
    out->step_median = steps ? step_ns[steps / 2] : 0;
    out->step_max = steps ? step_ns[steps - 1] : 0;
    out->steps = steps;
    free(ns);
    free(step_ns);
    cantus_host_free(host);
    return true;
}

int main(int argc, char **argv)
{
    const char *preset = NULL, *model = NULL;
    long cycles = 100000;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--preset") && i + 1 < argc)
            preset = argv[++i];
        else if (!strcmp(argv[i], "--model") && i + 1 < argc)
            model = argv[++i];
        else if (!strcmp(argv[i], "--cycles") && i + 1 < argc)
            cycles = atol(argv[++i]);
        else {
            fprintf(stderr,
                    "usage: cantus-bench-run [--preset NAME | --model FILE] [--cycles N]\n");
            return 0;
        }
    }
    if (cycles < 1000) cycles = 1000;
    /* What an audio host does for its process thread (JACK, Ardour): real-
     * time priority and locked memory, so the figures are the plugin's and
     * not the scheduler's. Without the rights, say so and go on. */
    struct sched_param param = {.sched_priority = 70};
    const bool realtime = sched_setscheduler(0, SCHED_FIFO, &param) == 0;
    const bool locked = mlockall(MCL_CURRENT | MCL_FUTURE) == 0;
    uint64_t *buffer = calloc(EVICT_BYTES / sizeof(uint64_t), sizeof(uint64_t));
    if (!buffer) return 0;
    const double budget_us = 1e6 * BLOCK / SAMPLE_RATE;
    printf("cantus-bench-run: the plugin's audio-thread time per cycle through lilv; %d Hz, "
           "%d-frame cycles (budget %.1f us), %d BPM, %ld cycles, %s\n",
           SAMPLE_RATE, BLOCK, budget_us, BPM, cycles,
           preset  ? preset
           : model ? model
                   : "the bundle's default model");
    printf("thread: %s, memory %s\n", realtime ? "SCHED_FIFO 70" : "normal priority (no rights)",
           locked ? "locked" : "not locked");
    printf("%-12s %10s %10s %10s %10s   %12s %10s  (us; %% of budget)\n", "", "median", "p99",
           "p99.9", "max", "step median", "step max");
    Figures f[3];
    for (int m = 0; m < 3; ++m) {
        if (!run(preset, model, (Mode)m, cycles, buffer, &f[m])) {
            free(buffer);
            return 0;
        }
        printf("%-12s", mode_name[m]);
        double v[] = {f[m].median, f[m].p99, f[m].p999, f[m].max};
        for (int i = 0; i < 4; ++i)
            printf(" %6.2f %4.1f%%", v[i] / 1e3, 100 * v[i] / 1e3 / budget_us);
        printf("   %6.2f %4.1f%% %6.2f %4.1f%%  (%d steps)\n", f[m].step_median / 1e3,
               100 * f[m].step_median / 1e3 / budget_us, f[m].step_max / 1e3,
               100 * f[m].step_max / 1e3 / budget_us, f[m].steps);
        printf("%-12s worst at cycle %ld%s\n", "", f[m].worst_cycle,
               cycle_has_step(f[m].worst_cycle, 1) ? " (a step)" : "");
        fflush(stdout);
    }
    printf("worst cycle, cold around steps against warm: %.1fx; worst cold cycle uses %.2f%% of "
           "the budget\n",
           f[2].max / (f[0].max > 0 ? f[0].max : 1), 100 * f[2].max / 1e3 / budget_us);
    free(buffer);
    return 0;
}
