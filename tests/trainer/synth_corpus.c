/* The synthetic corpus of the training tests (see synth_corpus.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <smf.h>
#include <sys/stat.h>
#include <unistd.h>

#include "synth_corpus.h"

static int write_file(const char *path, const int *pitches, int n)
{
    smf_t *smf = smf_new();
    if (!smf || smf_set_ppqn(smf, 96) != 0) return -1;
    smf_track_t *track = smf_track_new();
    smf_add_track(smf, track);
    for (int i = 0; i < n; i++) {
        smf_event_t *on = smf_event_new_from_bytes(0x90, pitches[i], 90);
        smf_event_t *off = smf_event_new_from_bytes(0x80, pitches[i], 0);
        if (!on || !off) return -1;
        smf_track_add_event_pulses(track, on, 96 * i);
        smf_track_add_event_pulses(track, off, 96 * i + 90);
    }
    int rc = smf_save(smf, path);
    smf_delete(smf);
    return rc;
}

int synth_corpus_write(const char *dir, int n_files, int beats)
{
    static const int scale[] = {0, 2, 4, 5, 7, 9, 11, 12, 11, 9, 7, 5, 4, 2};
    static const int arpeggio[] = {0, 4, 7, 12, 7, 4};
    int *pitches = malloc((size_t)beats * sizeof *pitches);
    if (!pitches) return -1;
    for (int f = 0; f < n_files; f++) {
        /* Two patterns in every file's reach, each file from its own phase,
         * so that a validation file's melody also occurs in training. */
        for (int i = 0; i < beats; i++)
            pitches[i] = f % 2 ? 62 + arpeggio[(i + f) % 6] : 60 + scale[(i + f) % 14];
        char path[4096];
        snprintf(path, sizeof path, "%s/tune%02d.mid", dir, f);
        if (write_file(path, pitches, beats) != 0) {
            free(pitches);
            return -1;
        }
    }
    free(pitches);
    return 0;
}

char *make_temp_dir(void)
{
    char *dir = strdup("/tmp/cantus-train-test-XXXXXX");
    if (dir && !mkdtemp(dir)) {
        free(dir);
        return NULL;
    }
    return dir;
}

void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}
