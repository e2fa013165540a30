/* cantus-bench-step: ns per LSTM step, warm and cold, for two shapes (V 80
 * H 128 one layer, V 80 H 256 two layers), each without and with the metre
 * input (P = 16 positions in the bar, cantus.bar_steps, stepped with
 * cantus_lstm_state_step_at), and achieved GFLOP/s against the one-core FMA peak
 * measured in the same run. run_step_bench.sh runs PyTorch's batch-1 step after it and prints the
 * ratios.
 *
 * The model goes through the real path: random weights written with
 * cantus_safetensors_write to /tmp, read back with cantus_model_load.
 *
 *   warm           back-to-back steps (weights in L1/L2)
 *   cold           before each step (not timed), every cache line of the
 *                  model's packed weights and of the state is flushed
 *                  (clflush + mfence): the plugin steps once per beat and the
 *                  host's audio work evicts the weights in between. Streaming
 *                  a buffer instead would leave them in an L3 larger than it.
 *   cold+prefetch  cold, then cantus_lstm_state_prefetch() and the step, as the
 *                  plugin does a cycle before a beat; the step alone is timed
 *
 * each for the float weights (PyTorch-exact, the default) and for the
 * opt-in CANTUS_PRECISION_F16 weights, which halve the bytes a step reads.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cache_flush.h"
#include "fma_peak.h"
#include "lstm.h"
#include "lstm_internal.h"
#include "model_internal.h"
#include "rng.h"
#include "safetensors_write.h"

typedef struct {
    int vocab, hidden, layers, bar_steps; /* bar_steps 0: no metre input */
} Shape;

typedef struct {
    double median, p99, p999, max;
} Stats;

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static Stats stats_of(double *ns, int n)
{
    qsort(ns, (size_t)n, sizeof *ns, compare_double);
    Stats s;
    s.median = ns[n / 2];
    s.p99 = ns[(int)floor(0.99 * (n - 1))];
    s.p999 = ns[(int)floor(0.999 * (n - 1))];
    s.max = ns[n - 1];
    return s;
}

static float uniform_weight(CantusRng *rng, float bound)
{
    return (float)(cantus_rng_uniform(rng) * 2.0 - 1.0) * bound;
}

/* PyTorch's default init range, U(-1/sqrt(H), 1/sqrt(H)). */
static int write_random_model(const char *path, Shape s)
{
    int V = s.vocab, H = s.hidden, L = s.layers, P = s.bar_steps;
    CantusRng rng;
    cantus_rng_seed(&rng, 2026u, (uint64_t)H);
    float bound = 1.0f / sqrtf((float)H);
    CantusSafetensorsWriteTensor refs[4 * 8 + 2];
    char names[4 * 8][32];
    float *buffers[4 * 8 + 2];
    int n = 0;
    const char *kinds[] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
    for (int k = 0; k < L; k++) {
        for (int i = 0; i < 4; i++) {
            int rows = 4 * H, cols = i == 0 ? (k == 0 ? V + P : H) : i == 1 ? H : 0;
            snprintf(names[n], sizeof names[n], "lstm.%s_l%d", kinds[i], k);
            refs[n] = (CantusSafetensorsWriteTensor){names[n], NULL, rows, cols};
            n++;
        }
    }
    refs[n++] = (CantusSafetensorsWriteTensor){"fc.weight", NULL, V, H};
    refs[n++] = (CantusSafetensorsWriteTensor){"fc.bias", NULL, V, 0};
    for (int i = 0; i < n; i++) {
        size_t count = (size_t)refs[i].rows * (size_t)(refs[i].cols ? refs[i].cols : 1);
        buffers[i] = malloc(count * sizeof(float));
        for (size_t j = 0; j < count; j++)
            buffers[i][j] = uniform_weight(&rng, bound);
        refs[i].data = buffers[i];
    }
    char high[16], rest[16], hold[16], bars[16];
    snprintf(high, sizeof high, "%d", 24 + V - 3);
    snprintf(rest, sizeof rest, "%d", V - 2);
    snprintf(hold, sizeof hold, "%d", V - 1);
    snprintf(bars, sizeof bars, "%d", P);
    CantusSafetensorsWriteMeta meta[] = {
        {"cantus.format", "1"},
        {"cantus.note_low", "24"},
        {"cantus.note_high", high},
        {"cantus.rest_token", rest},
        {"cantus.hold_token", hold},
        {"cantus.steps_per_beat", "1"},
        {"cantus.label", "bench (random weights)"},
        {"cantus.bar_steps", bars}, /* last: left out without a metre input */
    };
    char err[512];
    int rc = cantus_safetensors_write(path, refs, n, meta, P > 0 ? 8 : 7, err, sizeof err);
    if (rc != 0) fprintf(stderr, "%s\n", err);
    for (int i = 0; i < n; i++)
        free(buffers[i]);
    return rc;
}

/* Everything a step reads or writes that stays from one step to the next:
 * the model's packed weights (all of them, though a step reads one input
 * row of layer 0 and, with a metre input, one position row; both tables sit
 * in the packed block), the state's block and its binary16 weights if any. */
typedef struct {
    const void *start[3];
    size_t bytes[3];
} Footprint;

static Footprint footprint_of(const CantusModel *model, const CantusLstmState *state)
{
    Footprint f;
    const CantusPacked *packed = cantus_model_packed(model);
    f.start[0] = packed->base;
    f.bytes[0] = packed->floats * sizeof(float);
    cantus_lstm_state_memory(state, &f.start[1], &f.bytes[1], &f.start[2], &f.bytes[2]);
    return f;
}

static size_t footprint_bytes(const Footprint *f)
{
    return f->bytes[0] + f->bytes[1] + f->bytes[2];
}

static void flush_footprint(const Footprint *f)
{
    for (int i = 0; i < 3; i++)
        bench_cache_flush(f->start[i], f->bytes[i]);
}

static double flops_per_step(Shape s)
{
    /* Multiply-adds of the products; layer 0's input is a gather, no flops,
     * plus with a metre input the position's row added to the token's. */
    double H = s.hidden;
    double f = 2.0 * 4 * H * H + (s.bar_steps > 0 ? 4 * H : 0);
    for (int k = 1; k < s.layers; k++)
        f += 2.0 * 4 * H * 2 * H;
    return f + 2.0 * s.vocab * H;
}

static double bytes_per_step(Shape s)
{
    double H = s.hidden;
    /* layer 0: W_hh + one gathered input row (and the position's row) */
    double floats = 4 * H * H + 4 * H * (s.bar_steps > 0 ? 2 : 1);
    for (int k = 1; k < s.layers; k++)
        floats += 4 * H * 2 * H + 4 * H;
    return 4.0 * (floats + s.vocab * H + s.vocab);
}

static double half_bytes_per_step(Shape s)
{
    double H = s.hidden;
    double matrices = 4 * H * H + s.vocab * H;
    for (int k = 1; k < s.layers; k++)
        matrices += 4 * H * 2 * H;
    return bytes_per_step(s) - 2.0 * matrices; /* matrices at 2 bytes, the rows at 4 */
}

static void print_stats(const char *label, Stats st)
{
    printf("  %-14s median %9.0f  p99 %9.0f  p99.9 %9.0f  max %9.0f  ns\n", label, st.median,
           st.p99, st.p999, st.max);
}

static json_t *stats_json(Stats st)
{
    return json_pack("{s:f, s:f, s:f, s:f}", "median", st.median, "p99", st.p99, "p999", st.p999,
                     "max", st.max);
}

/* Step i of the benchmark's sequence: token (37 i) mod V and, with a metre
 * input, position i mod P (torch_step.py feeds PyTorch the same). */
static float step(CantusLstmState *state, Shape s, int i)
{
    int position = s.bar_steps > 0 ? i % s.bar_steps : -1;
    return cantus_lstm_state_step_at(state, (i * 37) % s.vocab, position)[0];
}

typedef struct {
    Stats warm, cold, cold_prefetch;
    double prefetch_ns, prefetch_warm_ns, gflops;
    int cold_measured;
} Measured;

static Measured measure(CantusLstmState *state, Shape s, int warm_steps, int cold_steps,
                        const Footprint *footprint, double *ns)
{
    Measured m = {0};
    volatile float sink = 0.0f;
    cantus_lstm_state_reset(state);
    for (int i = 0; i < 2000; i++)
        sink += step(state, s, i);
    for (int i = 0; i < warm_steps; i++) {
        double t0 = bench_now_ns();
        float logit = step(state, s, i);
        ns[i] = bench_now_ns() - t0;
        sink += logit;
    }
    m.warm = stats_of(ns, warm_steps);

    /* What the plugin pays for calling prefetch every cycle, weights warm. */
    int prefetch_calls = warm_steps < 1000 ? warm_steps : 1000;
    for (int i = 0; i < prefetch_calls; i++) {
        double t0 = bench_now_ns();
        cantus_lstm_state_prefetch(state);
        ns[i] = bench_now_ns() - t0;
    }
    m.prefetch_warm_ns = stats_of(ns, prefetch_calls).median;
    m.gflops = flops_per_step(s) / m.warm.median;
    if (!bench_cache_flush_available()) return m;

    for (int i = 0; i < cold_steps; i++) {
        flush_footprint(footprint);
        double t0 = bench_now_ns();
        sink += step(state, s, i);
        ns[i] = bench_now_ns() - t0;
    }
    m.cold = stats_of(ns, cold_steps);

    double prefetch_total = 0.0;
    for (int i = 0; i < cold_steps; i++) {
        flush_footprint(footprint);
        double t0 = bench_now_ns();
        cantus_lstm_state_prefetch(state);
        double t1 = bench_now_ns();
        sink += step(state, s, i);
        ns[i] = bench_now_ns() - t1;
        prefetch_total += t1 - t0;
    }
    m.cold_prefetch = stats_of(ns, cold_steps);
    (void)sink;
    m.prefetch_ns = prefetch_total / cold_steps;
    m.cold_measured = 1;
    return m;
}

static void report(const Measured *m, Shape s, double peak)
{
    print_stats("warm", m->warm);
    if (m->cold_measured) {
        print_stats("cold", m->cold);
        print_stats("cold+prefetch", m->cold_prefetch);
    } else {
        printf("  cold: not measured (no clflush in this build or CPU)\n");
    }
    printf("  prefetch call itself: %.0f ns mean when cold, %.0f ns median when warm\n",
           m->prefetch_ns, m->prefetch_warm_ns);
    printf("  warm median: %.2f GFLOP/s = %.1f%% of the FMA peak\n\n", m->gflops,
           peak > 0 ? 100.0 * m->gflops / peak : 0.0);
    (void)s;
}

static json_t *measured_json(const Measured *m)
{
    return json_pack("{s:o, s:o, s:o, s:f, s:f, s:f, s:b}", "warm", stats_json(m->warm), "cold",
                     stats_json(m->cold), "cold_prefetch", stats_json(m->cold_prefetch),
                     "prefetch_ns", m->prefetch_ns, "prefetch_warm_ns", m->prefetch_warm_ns,
                     "gflops", m->gflops, "cold_measured", m->cold_measured);
}

typedef struct {
    bool quick;
    const char *json_path;
} StepArgs;

static const CliOption options[] = {
    {.help = "usage: cantus-bench-step [--json FILE] [--quick]\n"
             "The LSTM step's time per token, warm and cold, beside the FMA peak.\n"},
    {"json", "FILE", NULL, CLI_TEXT(StepArgs, json_path)},
    {"quick", NULL, NULL, CLI_FLAG(StepArgs, quick)},
    {0},
};

int main(int argc, char **argv)
{
    StepArgs args = {.quick = false};
    cli_set_program("cantus-bench-step");
    int status;
    if (!cli_read_command_line(argc, argv, options, &args, &status)) return status;
    const int warm_steps = args.quick ? 2000 : 20000, cold_steps = args.quick ? 50 : 400;
    const char *json_path = args.json_path;

    double peak = bench_fma_peak_gflops(0.5);
    printf("cantus-bench-step: one-core FMA peak (measured now, 12 chains of _mm256_fmadd_ps): "
           "%.1f GFLOP/s\n",
           peak);
    if (bench_cache_flush_available())
        printf("cold steps: before each, every cache line of the model's packed weights and of "
               "the state is flushed (clflush + mfence, not timed)\n\n");
    else
        printf("cold steps: not measured, no clflush in this build or CPU\n\n");

    const Shape shapes[] = {{80, 128, 1, 0}, {80, 128, 1, 16}, {80, 256, 2, 0}, {80, 256, 2, 16}};
    json_t *results = json_array();
    double *ns = malloc((size_t)(warm_steps > cold_steps ? warm_steps : cold_steps) * sizeof *ns);

    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        Shape s = shapes[si];
        char path[128], err[512];
        snprintf(path, sizeof path, "/tmp/cantus-bench-v%d-h%d-l%d-p%d.safetensors", s.vocab,
                 s.hidden, s.layers, s.bar_steps);
        if (write_random_model(path, s) != 0) return 1;
        CantusModel *model = cantus_model_load(path, err, sizeof err);
        if (!model) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        CantusLstmState *state = cantus_lstm_state_new(model);
        Footprint footprint = footprint_of(model, state);
        printf("V=%d P=%d H=%d L=%d  (%s kernels, %.0f KB of weights per step, %.0f KB flushed "
               "before a cold step)\n",
               s.vocab, s.bar_steps, s.hidden, s.layers, cantus_lstm_state_kernel_name(state),
               bytes_per_step(s) / 1000.0, footprint_bytes(&footprint) / 1000.0);

        Measured f32 = measure(state, s, warm_steps, cold_steps, &footprint, ns);
        report(&f32, s, peak);
        CantusLstmState *half = cantus_lstm_state_new_precision(model, CANTUS_PRECISION_F16);
        printf(
            " with CANTUS_PRECISION_F16 weights (opt-in, %.0f KB per step, not PyTorch-exact):\n",
            half_bytes_per_step(s) / 1000.0);
        Footprint half_footprint = footprint_of(model, half);
        Measured f16 = measure(half, s, warm_steps, cold_steps, &half_footprint, ns);
        report(&f16, s, peak);
        cantus_lstm_state_free(half);

        json_array_append_new(
            results, json_pack("{s:i, s:i, s:i, s:i, s:s, s:o, s:o, s:f}", "V", s.vocab, "P",
                               s.bar_steps, "H", s.hidden, "L", s.layers, "kernels",
                               cantus_lstm_state_kernel_name(state), "f32", measured_json(&f32),
                               "f16", measured_json(&f16), "bytes", bytes_per_step(s)));
        cantus_lstm_state_free(state);
        cantus_model_free(model);
        unlink(path);
    }

    if (json_path) {
        json_t *root = json_pack("{s:f, s:o}", "fma_peak_gflops", peak, "shapes", results);
        json_dump_file(root, json_path, JSON_INDENT(1));
        json_decref(root);
    } else {
        json_decref(results);
    }
    free(ns);
    return 0;
}
