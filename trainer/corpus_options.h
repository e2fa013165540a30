/* The options of the corpus and its tokens that train and tokens share
 * (--steps-per-beat, --transpose ...), one set of rows of a command's table
 * (core/cli/cli.h), so that both read a corpus the same way. */
#ifndef CANTUS_CORPUS_OPTIONS_H
#define CANTUS_CORPUS_OPTIONS_H

#include "cli.h"
#include "midi/corpus.h"

/* Fill a CorpusOptions: CLI_INCLUDE(corpus_option_rows, Type, field) in a
 * table whose context's `field` is one (corpus_options_default first). */
extern const CliOption corpus_option_rows[];

#endif
