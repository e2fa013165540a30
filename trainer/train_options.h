/* The command line of `cantus-train train`. */
#ifndef CANTUS_TRAIN_OPTIONS_H
#define CANTUS_TRAIN_OPTIONS_H

#include "cli.h"
#include "midi/corpus.h"
#include "learn/train_loop.h"

typedef struct {
    CliList dirs; /* --corpus DIR [DIR...] */
    const char *output;
    const char *genre, *label;
    TrainConfig train;
    CorpusOptions corpus;
} TrainOptions;

/* Fills options from argv (argv[0] is "train"). Returns 0 to go on, 1 after
 * --help or --version, 2 after a usage error explained on stderr. The
 * strings point into argv; free options->dirs.items. */
int train_options_parse(TrainOptions *options, int argc, char **argv);

#endif
