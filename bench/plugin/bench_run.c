/* cantus-bench-run: how long the plugin's audio-thread work takes per
 * cycle, loaded through lilv as a host loads it, at 48 kHz and 64-frame
 * cycles with the transport rolling at 120 BPM, over 10^5 cycles.
 *
 * Timed is exactly what the plugin does on the audio thread: run(), then
 * work_response() and end_run() (the host's hooks bracket them). Three
 * runs, peers of one another in the same process:
 *   warm          nothing disturbs the caches;
 *   cold steps    before every cycle that holds a step, every cache line of
 *                 the process's writable memory (the plugin's model and
 *                 state among it, which lilv does not let a host reach) is
 *                 flushed (clflush), as a host's other work between beats
 *                 would evict it; streaming a buffer would not, on a machine
 *                 whose L3 is larger than the buffer;
 *   cold around   the same before the step cycle and the 8 cycles after
 *                 each step, where the plugin works ahead (prefetch, LSTM
 *                 step), so no part of its per-step work meets a warm cache.
 * Each runs twice: plain (today's controls) and with dynamics on (swing 66 %,
 * accent 100 %, humanize 100 %: the swung grid, each step's place in the
 * bar and its humanize draw), so the two sit side by side in one process.
 * Figures are median, p99, p99.9 and max, in microseconds and as a share of
 * the cycle's time budget (64 / 48000 s = 1333 us). It prints; it never
 * fails. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#include <sched.h>
#include <sys/mman.h>

#include "cache_flush.h"
#include "cantus_host.h"

#define SAMPLE_RATE 48000
#define BLOCK       64
#define BPM         120
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

/* Bytes the last flush covered, for the report. */
static size_t flushed_bytes;

static void evict(void)
{
    flushed_bytes = bench_cache_flush_process_data(NULL, 0);
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef enum { WARM, COLD_STEPS, COLD_AROUND } Mode;

static const char *mode_name[] = {"warm", "cold steps", "cold around"};

typedef struct {
    const char *name;
    float swing, accent, humanize;
} Config;

static const Config configs[] = {
    {"plain", 50.0f, 0.0f, 0.0f},
    {"dynamics", 66.0f, 100.0f, 100.0f},
};

/* Which cycles hold a step: at 120 BPM, 48 kHz, 4/4 from bar 0, step k is
 * at (k + delay) x 24000 / rate frames, the delay 2 x swing - 1 for odd k
 * (a bar holds an even number of steps, so pairs follow k's parity). */
static void mark_step_cycles(bool *has_step, long cycles, int rate, float swing)
{
    memset(has_step, 0, (size_t)cycles * sizeof *has_step);
    const double step_frames = (double)SAMPLE_RATE * 60.0 / BPM / rate;
    for (int64_t k = 0;; ++k) {
        const double delay = k % 2 ? 2.0 * swing / 100.0 - 1.0 : 0.0;
        const int64_t cycle = (int64_t)ceil((k + delay) * step_frames - 1e-3) / BLOCK;
        if (cycle >= cycles) break;
        has_step[cycle] = true;
    }
}

static bool cycles_since_step(const bool *has_step, int64_t cycle, int within)
{
    for (int back = 0; back <= within; ++back)
        if (cycle - back >= 0 && has_step[cycle - back]) return true;
    return false;
}

typedef struct {
    double median, p99, p999, max;
    double step_median, step_max;
    int steps;
    long worst_cycle;
    bool worst_is_step;
} Figures;

static bool run(const char *preset, const char *model, const Config *setting, Mode mode,
                long cycles, Figures *out)
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
    cantus_host_set_control(host, "swing", setting->swing);
    cantus_host_set_control(host, "accent", setting->accent);
    cantus_host_set_control(host, "humanize", setting->humanize);
    /* "As trained" (0) depends on the model, which this host cannot read:
     * play 4 steps a beat, the densest grid a shipped preset uses, so the
     * marked cycles are the ones with steps. */
    int rate = (int)cantus_host_get_control(host, "rate");
    if (rate < 1) {
        rate = 4;
        cantus_host_set_control(host, "rate", (float)rate);
    }
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
    bool *has_step = malloc((size_t)cycles * sizeof(bool));
    mark_step_cycles(has_step, cycles, rate, setting->swing);
    int steps = 0;
    /* The transport rolls from bar 0, told once, as Ardour and jalv tell it. */
    CantusPosition pos = {
        .fields = CANTUS_POS_ALL, .speed = 1, .bpm = BPM, .beats_per_bar = 4, .beat_unit = 4};
    cantus_host_add_position(host, 0, &pos);
    for (long c = 0; c < cycles; ++c) {
        bool step = has_step[c];
        if ((mode == COLD_STEPS && step) ||
            (mode == COLD_AROUND && cycles_since_step(has_step, c, AROUND)))
            evict();
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
    out->worst_is_step = has_step[out->worst_cycle];
    free(has_step);
    free(ns);
    free(step_ns);
    cantus_host_free(host);
    return true;
}

typedef struct {
    const char *preset, *model;
    long cycles;
} RunArgs;

static const CliOption options[] = {
    {.help = "usage: cantus-bench-run [--preset NAME | --model FILE] [--cycles N]\n"
             "The plugin's run() per cycle through lilv, as a share of the cycle's time.\n"},
    {"preset", "NAME", NULL, CLI_TEXT(RunArgs, preset)},
    {"model", "FILE", NULL, CLI_TEXT(RunArgs, model)},
    {"cycles", "N", NULL, CLI_NUMBER(RunArgs, cycles, 1000, 100000000L)},
    {0},
};

int main(int argc, char **argv)
{
    RunArgs args = {.cycles = 100000};
    cli_set_program("cantus-bench-run");
    int status;
    if (!cli_read_command_line(argc, argv, options, &args, &status)) return status;
    const char *preset = args.preset, *model = args.model;
    long cycles = args.cycles;
    if (cycles < 1000) cycles = 1000;
    /* What an audio host does for its process thread (JACK, Ardour): real-
     * time priority and locked memory, so the figures are the plugin's and
     * not the scheduler's. Without the rights, say so and go on. */
    struct sched_param param = {.sched_priority = 70};
    const bool realtime = sched_setscheduler(0, SCHED_FIFO, &param) == 0;
    const bool locked = mlockall(MCL_CURRENT | MCL_FUTURE) == 0;
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
    Figures f[2][3];
    for (int c = 0; c < 2; ++c) {
        printf("%s (swing %.0f %%, accent %.0f %%, humanize %.0f %%)\n", configs[c].name,
               configs[c].swing, configs[c].accent, configs[c].humanize);
        for (int m = 0; m < 3; ++m) {
            Figures *r = &f[c][m];
            if (!run(preset, model, &configs[c], (Mode)m, cycles, r)) return 0;
            printf("%-12s", mode_name[m]);
            double v[] = {r->median, r->p99, r->p999, r->max};
            for (int i = 0; i < 4; ++i)
                printf(" %6.2f %4.1f%%", v[i] / 1e3, 100 * v[i] / 1e3 / budget_us);
            printf("   %6.2f %4.1f%% %6.2f %4.1f%%  (%d steps)\n", r->step_median / 1e3,
                   100 * r->step_median / 1e3 / budget_us, r->step_max / 1e3,
                   100 * r->step_max / 1e3 / budget_us, r->steps);
            printf("%-12s worst at cycle %ld%s\n", "", r->worst_cycle,
                   r->worst_is_step ? " (a step)" : "");
            fflush(stdout);
        }
        printf("worst cycle, cold around steps against warm: %.1fx; worst cold cycle uses %.2f%% "
               "of the budget\n",
               f[c][2].max / (f[c][0].max > 0 ? f[c][0].max : 1),
               100 * f[c][2].max / 1e3 / budget_us);
    }
    printf("side by side, median / worst (us), plain -> dynamics:\n");
    for (int m = 0; m < 3; ++m)
        printf("%-12s %6.2f / %7.2f  ->  %6.2f / %7.2f   step median %6.2f -> %6.2f\n",
               mode_name[m], f[0][m].median / 1e3, f[0][m].max / 1e3, f[1][m].median / 1e3,
               f[1][m].max / 1e3, f[0][m].step_median / 1e3, f[1][m].step_median / 1e3);
    printf("cold: %s\n", bench_cache_flush_available()
                             ? "the process's writable memory flushed (clflush) before the cycle"
                             : "NOT cold: no clflush in this build or CPU");
    printf("last flush: %.1f MiB\n", flushed_bytes / 1048576.0);
    return 0;
}
