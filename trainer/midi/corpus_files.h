/* Finding the MIDI files of a corpus: every .mid/.midi (any case) under a
 * folder, recursively, sorted by relative path so that nothing depends on
 * the order a file system lists a directory in. */
#ifndef CANTUS_CORPUS_FILES_H
#define CANTUS_CORPUS_FILES_H

typedef struct {
    char **paths; /* relative to the folder, '/'-separated */
    int n;
} CorpusFileList;

/* Returns 0 (n may be 0), or -1 with errno set when the folder cannot be
 * opened or memory ran out. Hidden entries (a leading '.') and symbolic links
 * to folders are not followed. */
int corpus_files_find(const char *dir, CorpusFileList *list);
void corpus_files_free(CorpusFileList *list);

/* "a/b.mid" under "dir" -> "dir/a/b.mid", malloc'd. */
char *corpus_files_join(const char *dir, const char *relative);

#endif
