/* What a model file records of how it was made, without the machine it was
 * made on: corpus folders by their own names, the command line with every
 * path reduced to its last component. A model travels; the folders of the
 * machine that trained it (and its temporary output folders) mean nothing
 * elsewhere and say more about that machine than anyone asked. */
#ifndef CANTUS_PROVENANCE_H
#define CANTUS_PROVENANCE_H

#include <stddef.h>

/* The last component of path ("folk" for ../shared/corpus/folk/, the
 * folder's real name for "." or ".."), into name. */
void provenance_name(const char *path, char *name, size_t size);

/* The JSON array of the folders' names (cantus.trained_on); NULL when out
 * of memory. */
char *provenance_folders_json(const char *const *dirs, int n_dirs);

/* "program word word ...", each word quoted for sh where it needs it; a
 * word that holds one of the n_paths pointers (the value of a path option:
 * the whole word, or after "--output=" or "-o") has that value reduced by
 * provenance_name. NULL when out of memory. */
char *provenance_command_line(const char *program, int argc, char *const *argv,
                              const char *const *paths, int n_paths);

/* Splits a line as sh would read its words (single and double quotes,
 * backslashes; no expansions) into a NULL-terminated array, one allocation
 * to free(). NULL on an unclosed quote or when out of memory. */
char **provenance_split(const char *line, int *n_words);

#endif
