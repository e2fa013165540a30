/* One training step of the float kernel against PyTorch 1.13 on the same
 * weights and batch (golden/train_step.txt, made by make_train_golden.py):
 * the loss, every gradient, and the weights after one and three Adam steps
 * with global-norm clipping, each within 1e-4 relative (max |ours - torch|
 * over max |torch| of the tensor). The same for a metre model
 * (golden/train_step_metre.txt: P positions in the bar as more one-hot
 * inputs, some out of range), whose position rows are emb's rows V.. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "learn/lstm_train.h"
#include "learn/optimizer.h"

static const char *golden_paths[2];
static const char *golden_path;

typedef struct {
    char name[64];
    int count;
    double *values;
} Entry;

static Entry entries[256];
static int n_entries;

static void load_golden(void)
{
    FILE *f = fopen(golden_path, "r");
    assert_non_null(f);
    char name[64];
    int count;
    while (fscanf(f, "%63s", name) == 1) {
        if (name[0] == '#') {
            int ch;
            while ((ch = fgetc(f)) != '\n' && ch != EOF)
                ;
            continue;
        }
        assert_int_equal(fscanf(f, "%d", &count), 1);
        assert_true(n_entries < 256);
        Entry *e = &entries[n_entries++];
        snprintf(e->name, sizeof e->name, "%s", name);
        e->count = count;
        e->values = malloc((size_t)count * sizeof *e->values);
        for (int i = 0; i < count; i++)
            assert_int_equal(fscanf(f, "%lf", &e->values[i]), 1);
    }
    fclose(f);
}

static const Entry *find(const char *name)
{
    for (int i = 0; i < n_entries; i++)
        if (!strcmp(entries[i].name, name)) return &entries[i];
    fail_msg("golden file has no %s", name);
    return NULL;
}

/* A parameter of ours in PyTorch's layout: emb is weight_ih_l0 transposed. */
static float ours(const LstmParams_f *p, const char *torch_name, int i)
{
    const int I = p->vocab + p->bar_steps, H = p->hidden, G = 4 * H;
    int k = 0;
    if (!strcmp(torch_name, "fc.weight")) return p->fc_w[i];
    if (!strcmp(torch_name, "fc.bias")) return p->fc_b[i];
    if (sscanf(torch_name, "lstm.weight_ih_l%d", &k) == 1)
        return k == 0 ? p->emb[(size_t)(i % I) * G + i / I] : p->w_ih[k][i];
    if (sscanf(torch_name, "lstm.weight_hh_l%d", &k) == 1) return p->w_hh[k][i];
    if (sscanf(torch_name, "lstm.bias_ih_l%d", &k) == 1) return p->b_ih[k][i];
    if (sscanf(torch_name, "lstm.bias_hh_l%d", &k) == 1) return p->b_hh[k][i];
    fail_msg("unknown tensor %s", torch_name);
    return 0;
}

static void set_ours(LstmParams_f *p, const char *torch_name, int i, float v)
{
    const int I = p->vocab + p->bar_steps, H = p->hidden, G = 4 * H;
    int k = 0;
    if (!strcmp(torch_name, "fc.weight"))
        p->fc_w[i] = v;
    else if (!strcmp(torch_name, "fc.bias"))
        p->fc_b[i] = v;
    else if (sscanf(torch_name, "lstm.weight_ih_l%d", &k) == 1) {
        if (k == 0)
            p->emb[(size_t)(i % I) * G + i / I] = v;
        else
            p->w_ih[k][i] = v;
    } else if (sscanf(torch_name, "lstm.weight_hh_l%d", &k) == 1)
        p->w_hh[k][i] = v;
    else if (sscanf(torch_name, "lstm.bias_ih_l%d", &k) == 1)
        p->b_ih[k][i] = v;
    else if (sscanf(torch_name, "lstm.bias_hh_l%d", &k) == 1)
        p->b_hh[k][i] = v;
    else
        fail_msg("unknown tensor %s", torch_name);
}

static double worst;

static void compare(const LstmParams_f *p, const char *prefix)
{
    size_t n_prefix = strlen(prefix);
    int seen = 0;
    for (int e = 0; e < n_entries; e++) {
        if (strncmp(entries[e].name, prefix, n_prefix) != 0) continue;
        const char *name = entries[e].name + n_prefix;
        double diff = 0, scale = 0;
        for (int i = 0; i < entries[e].count; i++) {
            double d = fabs(ours(p, name, i) - entries[e].values[i]);
            diff = d > diff ? d : diff;
            scale = fabs(entries[e].values[i]) > scale ? fabs(entries[e].values[i]) : scale;
        }
        double rel = diff / scale;
        printf("# %s%-22s max rel error %.2e\n", prefix, name, rel);
        if (rel > worst) worst = rel;
        assert_true(rel <= 1e-4);
        seen++;
    }
    assert_int_equal(seen, 4 * 2 + 2);
}

static void step_matches_pytorch(const char *path)
{
    golden_path = path;
    n_entries = 0;
    worst = 0;
    load_golden();
    const Entry *cfg = find("config");
    const int V = (int)cfg->values[0], H = (int)cfg->values[1], L = (int)cfg->values[2];
    const int T = (int)cfg->values[3], B = (int)cfg->values[4];
    const int P = cfg->count > 6 ? (int)cfg->values[6] : 0;
    const double lr = 1e-2; /* the script's LR, exactly */
    assert_true(fabs(cfg->values[5] - lr) < 1e-9);

    LstmParams_f p, g;
    LstmWork_f w;
    Adam adam;
    assert_int_equal(lstm_params_alloc_bars_f(&p, V, P, H, L), 0);
    assert_int_equal(lstm_params_alloc_bars_f(&g, V, P, H, L), 0);
    assert_int_equal(lstm_work_alloc_f(&w, V, H, L, T, B), 0);
    assert_int_equal(adam_init(&adam, p.count, lr), 0);
    for (int e = 0; e < n_entries; e++)
        if (!strncmp(entries[e].name, "init.", 5))
            for (int i = 0; i < entries[e].count; i++)
                set_ours(&p, entries[e].name + 5, i, (float)entries[e].values[i]);
    const Entry *tok = find("tokens"), *tgt = find("targets");
    int x[T * B], y[T * B], q[T * B];
    const Entry *pos = P > 0 ? find("positions") : NULL;
    for (int i = 0; i < T * B; i++) {
        x[i] = (int)tok->values[i];
        y[i] = (int)tgt->values[i];
        q[i] = pos ? (int)pos->values[i] : -1;
    }
    const double clip = find("clip")->values[0];

    for (int step = 1; step <= 3; step++) {
        long counted = 0;
        double nll = lstm_forward_at_f(&p, &w, T, B, x, pos ? q : NULL, y, 0, &counted, NULL);
        assert_int_equal(counted, T * B);
        lstm_backward_at_f(&p, &g, &w, T, B, x, pos ? q : NULL, y, 1.0 / (double)counted);
        if (step == 1) {
            double loss = nll / counted, want = find("loss")->values[0];
            printf("# loss %.9g, PyTorch %.9g\n", loss, want);
            assert_true(fabs(loss - want) <= 1e-5 * fabs(want));
            compare(&g, "grad.");
        }
        clip_grad_norm(g.data, g.count, clip);
        adam_step(&adam, p.data, g.data);
        if (step == 1) compare(&p, "step1.");
        if (step == 3) compare(&p, "step3.");
    }
    printf("# %s: worst relative error over all tensors: %.2e\n", path, worst);
    adam_free(&adam);
    lstm_work_free_f(&w);
    lstm_params_free_f(&g);
    lstm_params_free_f(&p);
    for (int e = 0; e < n_entries; e++)
        free(entries[e].values);
}

static void one_step_matches_pytorch(void **state)
{
    (void)state;
    step_matches_pytorch(golden_paths[0]);
}

static void metre_step_matches_pytorch(void **state)
{
    (void)state;
    step_matches_pytorch(golden_paths[1]);
}

int main(int argc, char **argv)
{
    golden_paths[0] = argc > 1 ? argv[1] : "train_step.txt";
    golden_paths[1] = argc > 2 ? argv[2] : "train_step_metre.txt";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_step_matches_pytorch),
        cmocka_unit_test(metre_step_matches_pytorch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
