/* Training progress for a person: on a terminal, one line redrawn with \r
 * (step, loss, accuracy, tokens/s, ETA); in a log or CI, a plain line per
 * evaluation. */
#ifndef CANTUS_PROGRESS_H
#define CANTUS_PROGRESS_H

#include <stdio.h>

typedef struct {
    FILE *out;
    int tty;
    long first_step, total_steps, tokens_per_step;
    double started, last_draw;
    int drawn; /* a bar is on screen and needs a newline before text */
} Progress;

void progress_begin(Progress *p, FILE *out, long first_step, long total_steps,
                    long tokens_per_step);
void progress_step(Progress *p, long step, double loss, double accuracy);
void progress_eval(Progress *p, long step, double train_nll, double train_acc, double val_nll,
                   double val_acc, int improved);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void progress_note(Progress *p, const char *format, ...);
void progress_fail(Progress *p, const char *sentence);
void progress_end(Progress *p);

#endif
