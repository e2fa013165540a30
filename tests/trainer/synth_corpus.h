/* A small synthetic corpus for the training tests: MIDI files (written with
 * libsmf) of one melody each, a repeating pattern of quarter notes that a
 * small LSTM can learn almost perfectly. */
#ifndef CANTUS_TEST_SYNTH_CORPUS_H
#define CANTUS_TEST_SYNTH_CORPUS_H

/* Writes n_files files into dir (which must exist), each `beats` quarter
 * notes long: even files walk a C major scale up and down, odd files a D
 * major arpeggio, each from a phase of its own. Returns 0, -1 on failure. */
int synth_corpus_write(const char *dir, int n_files, int beats);

/* A fresh directory under /tmp; the caller removes it with remove_tree. */
char *make_temp_dir(void);
void remove_tree(const char *dir);

#endif
