/* cantus-bench-train: milliseconds per training step (forward, backward,
 * clipping, Adam) for the seed's configuration and a larger one, each with
 * and without the metre input (P positions in the bar as more one-hot
 * columns), the GEMM work achieved in GFLOP/s and as a share of the FMA
 * peaks (AVX2 and AVX-512) measured in the same run. compare_train.py runs
 * it shape by shape, alternating with PyTorch's step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "learn/batch.h"
#include "cli.h"
#include "fma_peak.h"
#include "learn/lstm_params.h"
#include "learn/optimizer.h"

typedef struct {
    int V, H, L, P, B, T;
} Shape;

static double now(void)
{
    return 1e-9 * bench_now_ns();
}

/* CPU time of the whole process (all threads): on a shared machine it shows
 * the work a step takes even when the wall clock is stretched by others. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Multiply-adds of every GEMM in a step, times two. */
static double step_flops(const Shape *s)
{
    double TB = (double)s->T * s->B, H = s->H, G = 4.0 * s->H, V = s->V;
    double f = 2 * TB * H * V * 3;        /* output layer: forward, dW, dH */
    f += s->L * 2 * TB * H * G * 3;       /* recurrence: forward, dh, dW_hh */
    f += (s->L - 1) * 2 * TB * H * G * 3; /* deeper inputs: forward, dX, dW_ih */
    return f;
}

static void run(const Shape *s, int steps, int threads, double peak, double peak512)
{
    LstmParams_f p, g;
    LstmWork_f w;
    Adam adam;
    if (lstm_params_alloc_bars_f(&p, s->V, s->P, s->H, s->L) ||
        lstm_params_alloc_bars_f(&g, s->V, s->P, s->H, s->L) ||
        lstm_work_alloc_f(&w, s->V, s->H, s->L, s->T, s->B) || adam_init(&adam, p.count, 1e-3)) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    w.threads = threads;
    CantusRng rng;
    cantus_rng_seed(&rng, 7, 1);
    lstm_params_init(&p, &rng);
    /* A random token stream stands in for a corpus: the step's cost does
     * not depend on which tokens it sees. */
    int n = 100000;
    int *stream = malloc((size_t)n * sizeof *stream);
    int *bar = s->P > 0 ? malloc((size_t)n * sizeof *bar) : NULL;
    for (int i = 0; i < n; i++) {
        stream[i] = (int)(cantus_rng_u32(&rng) % (unsigned)s->V);
        if (bar) bar[i] = i % s->P;
    }
    TokenSeq seq = {stream, n, bar};
    BatchSampler sampler;
    batch_sampler_init(&sampler, &seq, 1, s->T);
    size_t TB = (size_t)s->T * s->B;
    int *x = malloc(TB * sizeof *x), *y = malloc(TB * sizeof *y);
    int *pos = bar ? malloc(TB * sizeof *pos) : NULL;
    double *ms = malloc((size_t)steps * sizeof *ms), cpu_total = 0;
    for (int i = -2; i < steps; i++) {
        batch_sample_at(&sampler, &rng, s->B, x, pos, y);
        double t0 = now(), c0 = cpu_now();
        long counted = 0;
        lstm_forward_at_f(&p, &w, s->T, s->B, x, pos, y, 0, &counted, NULL);
        lstm_backward_at_f(&p, &g, &w, s->T, s->B, x, pos, y, 1.0 / (double)counted);
        clip_grad_norm(g.data, g.count, 1.0);
        adam_step(&adam, p.data, g.data);
        if (i >= 0) {
            ms[i] = 1e3 * (now() - t0);
            cpu_total += 1e3 * (cpu_now() - c0);
        }
    }
    qsort(ms, (size_t)steps, sizeof *ms, by_value);
    double median = ms[steps / 2];
    double gflops = step_flops(s) / (median * 1e-3) / 1e9;
    /* Per CPU-second: what a core achieves however the machine is shared. */
    double cpu_gflops = step_flops(s) / (cpu_total / steps * 1e-3) / 1e9;
    printf("cantus V=%d P=%d H=%d L=%d B=%d T=%d threads=%d: median %.1f ms/step (min %.1f, max "
           "%.1f, %d steps; CPU %.1f ms/step); GEMM work %.1f GFLOP/s wall = %.0f%% of %d x AVX2 "
           "peak %.1f, %.0f%% of %d x AVX-512 peak %.1f; %.1f GFLOP per CPU-second = %.0f%% of "
           "one core's AVX-512 peak\n",
           s->V, s->P, s->H, s->L, s->B, s->T, threads, median, ms[0], ms[steps - 1], steps,
           cpu_total / steps, gflops, peak > 0 ? 100 * gflops / (peak * threads) : 0.0, threads,
           peak, peak512 > 0 ? 100 * gflops / (peak512 * threads) : 0.0, threads, peak512,
           cpu_gflops, peak512 > 0 ? 100 * cpu_gflops / peak512 : 0.0);
    printf("RESULT %d %d %d %d %d %d %.3f %.3f %.3f %.3f\n", s->V, s->P, s->H, s->L, s->B, s->T,
           median, cpu_total / steps, ms[0], step_flops(s) / 1e9);
    free(ms);
    free(bar);
    free(pos);
    free(x);
    free(y);
    free(stream);
    batch_sampler_free(&sampler);
    adam_free(&adam);
    lstm_work_free_f(&w);
    lstm_params_free_f(&g);
    lstm_params_free_f(&p);
}

int main(int argc, char **argv)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long steps = 20, threads = cores > 0 ? cores : 1;
    enum { OPT_NO_PEAK = CLI_FIRST_OWN_OPTION };
    static const struct option long_options[] = {
        CLI_STANDARD_OPTIONS, {"no-peak", no_argument, NULL, OPT_NO_PEAK}, {NULL, 0, NULL, 0}};
    int measure_peak = 1;
    cli_set_program("cantus-bench-train");
    int c;
    while ((c = cli_getopt(argc, argv, "h", long_options)) != -1) {
        if (c == OPT_NO_PEAK) {
            measure_peak = 0;
            continue;
        }
        if (c == CLI_OPTION_HELP) {
            printf("usage: cantus-bench-train [--no-peak] [STEPS [THREADS [V:H:L:P ...]]]\n"
                   "Milliseconds per training step (20 steps, all cores by default) of the\n"
                   "shapes given (vocabulary, hidden size, layers, positions in the bar; 0:\n"
                   "no metre input), by default 78:128:1:0 78:128:1:16 80:256:2:0 80:256:2:16.\n");
            return CLI_SUCCESS;
        }
        if (c == CLI_OPTION_VERSION) {
            cli_print_version();
            return CLI_SUCCESS;
        }
        return CLI_USAGE;
    }
    if (optind < argc && !cli_int_option("STEPS", argv[optind++], 1, 1000000, &steps))
        return CLI_USAGE;
    if (optind < argc && !cli_int_option("THREADS", argv[optind++], 1, 256, &threads))
        return CLI_USAGE;
    Shape shapes[16] = {{78, 128, 1, 0, 256, 64},
                        {78, 128, 1, 16, 256, 64},
                        {80, 256, 2, 0, 256, 64},
                        {80, 256, 2, 16, 256, 64}};
    int n_shapes = 4;
    if (optind < argc) n_shapes = 0;
    for (; optind < argc; optind++) {
        Shape *s = &shapes[n_shapes];
        char extra;
        if (n_shapes == 16 ||
            sscanf(argv[optind], "%d:%d:%d:%d%c", &s->V, &s->H, &s->L, &s->P, &extra) != 4 ||
            s->V < 2 || s->V > 4096 || s->H < 1 || s->H > 4096 || s->L < 1 ||
            s->L > CANTUS_MAX_LAYERS || s->P < 0 || s->P > CANTUS_MAX_BAR_STEPS)
            return cli_usage_error("SHAPE: '%s' is not V:H:L:P within the model's limits",
                                   argv[optind]);
        s->B = 256;
        s->T = 64;
        n_shapes++;
    }
    openblas_set_num_threads(1); /* the kernel makes its own threads */
    /* --no-peak: only the steps run (for a profiler's or a cycle counter's
     * view of them); the shares of the peak are then printed as 0. */
    double peak = measure_peak ? bench_fma_peak_gflops(0.3) : 0;
    double peak512 = measure_peak ? bench_fma512_peak_gflops(0.3) : 0;
    for (int i = 0; i < n_shapes; i++)
        run(&shapes[i], (int)steps, (int)threads, peak, peak512);
    return 0;
}
