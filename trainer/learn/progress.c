/* Progress display (see progress.h). */
#include <math.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "learn/progress.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void clear_bar(Progress *p)
{
    if (p->drawn) {
        fputc('\n', p->out);
        p->drawn = 0;
    }
}

void progress_begin(Progress *p, FILE *out, long first_step, long total_steps, long tokens_per_step)
{
    p->out = out;
    p->tty = isatty(fileno(out));
    p->first_step = first_step;
    p->total_steps = total_steps;
    p->tokens_per_step = tokens_per_step;
    p->started = now();
    p->last_draw = 0;
    p->drawn = 0;
}

static void format_duration(char *buf, size_t size, double seconds)
{
    long s = (long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(buf, size, "%ldh%02ldm", s / 3600, s / 60 % 60);
    else
        snprintf(buf, size, "%ldm%02lds", s / 60, s % 60);
}

void progress_step(Progress *p, long step, double loss, double accuracy)
{
    if (!p->tty) return;
    double t = now();
    if (t - p->last_draw < 0.1 && step < p->total_steps) return;
    p->last_draw = t;
    double elapsed = t - p->started;
    long done = step - p->first_step;
    double rate = elapsed > 0 ? (double)done * p->tokens_per_step / elapsed : 0;
    double eta = done > 0 ? elapsed / done * (double)(p->total_steps - step) : 0;
    char eta_text[32];
    format_duration(eta_text, sizeof eta_text, eta);
    enum { WIDTH = 24 };
    char bar[WIDTH + 1];
    int filled = p->total_steps > 0 ? (int)(WIDTH * step / p->total_steps) : 0;
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[WIDTH] = 0;
    fprintf(p->out, "\rstep %ld/%ld [%s] loss %.4f acc %5.1f%% %7.0f tok/s ETA %s   ", step,
            p->total_steps, bar, loss, 100 * accuracy, rate, eta_text);
    fflush(p->out);
    p->drawn = 1;
}

void progress_eval(Progress *p, long step, double train_nll, double train_acc, double val_nll,
                   double val_acc, int improved)
{
    clear_bar(p);
    double elapsed = now() - p->started;
    long done = step - p->first_step;
    double rate = elapsed > 0 ? (double)done * p->tokens_per_step / elapsed : 0;
    if (isnan(val_nll))
        fprintf(p->out, "step %ld: train NLL %.4f acc %.1f%% | no validation split | %.0f tok/s\n",
                step, train_nll, 100 * train_acc, rate);
    else
        fprintf(p->out,
                "step %ld: train NLL %.4f acc %.1f%% | validation NLL %.4f acc %.1f%%%s | %.0f "
                "tok/s\n",
                step, train_nll, 100 * train_acc, val_nll, 100 * val_acc, improved ? " (best)" : "",
                rate);
    fflush(p->out);
}

void progress_note(Progress *p, const char *format, ...)
{
    clear_bar(p);
    va_list ap;
    va_start(ap, format);
    fputs("cantus-train: ", p->out);
    vfprintf(p->out, format, ap);
    fputc('\n', p->out);
    va_end(ap);
}

void progress_fail(Progress *p, const char *sentence)
{
    progress_note(p, "%s", sentence);
}

void progress_end(Progress *p)
{
    clear_bar(p);
    fflush(p->out);
}
