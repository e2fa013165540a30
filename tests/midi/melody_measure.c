/* Measures the melody-part heuristic against a known melody track (not a
 * test: docs/midi.md gives the numbers it printed and the commands).
 *
 *   midi-melody-measure (--truth-name TEXT | --truth-track N) [--verbose] DIR...
 *
 * For every MIDI file under the folders whose true melody track is known
 * (the track whose name contains TEXT, or track N), it reports how often the
 * heuristic picks that track, with and without track names, and how many of
 * the true melody's note steps (one step per beat) each method reproduces:
 * the heuristic's part, and the seed's skyline (highest note over all
 * tracks). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "midi/corpus_files.h"
#include "midi/melody.h"
#include "midi/midi_read.h"

typedef struct {
    long files, picked, picked_blind, picked_highest;
    long melody_steps, same_heuristic, same_blind, same_skyline;
} Tally;

/* Whether track t is (one of) the true melody track(s): with a name, every
 * track whose name holds it counts (Melody 1, Melody 2). */
static int is_truth(const MidiSong *song, const char *name, int track, int t)
{
    if (!name) return t == track;
    char lower[256], want[64];
    size_t i;
    for (i = 0; song->track_names[t][i] && i + 1 < sizeof lower; i++)
        lower[i] = (char)tolower((unsigned char)song->track_names[t][i]);
    lower[i] = '\0';
    for (i = 0; name[i] && i + 1 < sizeof want; i++)
        want[i] = (char)tolower((unsigned char)name[i]);
    want[i] = '\0';
    return strstr(lower, want) != NULL;
}

/* The first true melody track: its notes are the reference of the step
 * agreement. */
static int find_truth(const MidiSong *song, const char *name, int track)
{
    for (int t = 0; t < song->n_tracks; t++)
        if (is_truth(song, name, track, t)) return t;
    return -1;
}

/* Melody steps (a pitch in the truth) that the other sequence has too. */
static long agree(const int *truth, int n_truth, int truth_offset, const int *other, int n_other,
                  int other_offset)
{
    long same = 0;
    for (int k = 0; k < n_truth; k++) {
        if (truth[k] < 0) continue;
        int j = k + truth_offset - other_offset;
        same += j >= 0 && j < n_other && other[j] == truth[k];
    }
    return same;
}

/* Tokens are cut of leading rests; the offset (in steps) of the first
 * token is where the part's first note falls. */
static int first_step(const MidiSong *song, int track, int channel)
{
    for (int i = 0; i < song->n_notes; i++) {
        const MidiNote *n = &song->notes[i];
        if ((track < 0 || n->track == track) && (channel < 0 || n->channel == channel))
            return (int)((2 * n->start + song->ppqn) / (2 * song->ppqn));
    }
    return 0;
}

static int tokens_of(const MidiSong *song, int track, int channel, int **tokens)
{
    int n;
    char reason[MIDI_REASON_SIZE];
    if (melody_tokens(song, track, channel, 1, tokens, &n, reason, sizeof reason) != 0) return -1;
    return n;
}

static void measure(const char *path, const char *relative, const char *truth_name, int truth_track,
                    int verbose, Tally *tally)
{
    MidiSong song;
    char reason[MIDI_REASON_SIZE];
    if (midi_read_file(path, &song, reason, sizeof reason) != 0) {
        fprintf(stderr, "skip %s: %s\n", relative, reason);
        return;
    }
    int truth = find_truth(&song, truth_name, truth_track);
    MelodyPart *parts = NULL, *blind = NULL;
    int n_parts = melody_parts(&song, 1, &parts);
    int n_blind = melody_parts(&song, 0, &blind);
    if (truth < 0 || n_parts <= 0 || n_blind <= 0) {
        fprintf(stderr, "skip %s: no known melody track\n", relative);
        free(parts), free(blind);
        midi_song_free(&song);
        return;
    }
    int *t_tokens, *h_tokens, *b_tokens, *s_tokens;
    int n_t = tokens_of(&song, truth, MELODY_ANY, &t_tokens);
    int n_h = tokens_of(&song, parts[0].track, parts[0].channel, &h_tokens);
    int n_b = tokens_of(&song, blind[0].track, blind[0].channel, &b_tokens);
    int n_s = tokens_of(&song, MELODY_ANY, MELODY_ANY, &s_tokens);
    if (n_t <= 0 || n_h < 0 || n_b < 0 || n_s < 0) {
        fprintf(stderr, "skip %s: the melody track has no notes\n", relative);
    } else {
        int o_t = first_step(&song, truth, MELODY_ANY);
        long melody = 0;
        for (int k = 0; k < n_t; k++)
            melody += t_tokens[k] >= 0;
        tally->files++;
        int hit = is_truth(&song, truth_name, truth, parts[0].track);
        int hit_blind = is_truth(&song, truth_name, truth, blind[0].track);
        tally->picked += hit;
        tally->picked_blind += hit_blind;
        int highest = 0; /* baseline: the part with the highest mean pitch */
        for (int i = 1; i < n_blind; i++)
            if (blind[i].mean_pitch > blind[highest].mean_pitch) highest = i;
        tally->picked_highest += is_truth(&song, truth_name, truth, blind[highest].track);
        tally->melody_steps += melody;
        tally->same_heuristic += agree(t_tokens, n_t, o_t, h_tokens, n_h,
                                       first_step(&song, parts[0].track, parts[0].channel));
        tally->same_blind += agree(t_tokens, n_t, o_t, b_tokens, n_b,
                                   first_step(&song, blind[0].track, blind[0].channel));
        tally->same_skyline +=
            agree(t_tokens, n_t, o_t, s_tokens, n_s, first_step(&song, MELODY_ANY, MELODY_ANY));
        if (verbose || !hit || !hit_blind) {
            printf("%s: truth track %d, picked %d (names) %d (blind)%s\n", relative, truth,
                   parts[0].track, blind[0].track, !hit || !hit_blind ? "  <-- miss" : "");
            for (int i = 0; i < n_blind; i++)
                printf("    track %d ch %2d '%s': notes %d mean %.1f overlap %.2f coverage %.2f "
                       "score %.2f\n",
                       blind[i].track, blind[i].channel + 1, song.track_names[blind[i].track],
                       blind[i].notes, blind[i].mean_pitch, blind[i].overlap, blind[i].coverage,
                       blind[i].score);
        }
    }
    free(t_tokens), free(h_tokens), free(b_tokens), free(s_tokens);
    free(parts), free(blind);
    midi_song_free(&song);
}

int main(int argc, char **argv)
{
    const char *truth_name = NULL;
    int truth_track = -1, verbose = 0;
    Tally tally = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--truth-name") && i + 1 < argc) {
            truth_name = argv[++i];
        } else if (!strcmp(argv[i], "--truth-track") && i + 1 < argc) {
            truth_track = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--verbose")) {
            verbose = 1;
        } else {
            CorpusFileList files;
            if (corpus_files_find(argv[i], &files) != 0) {
                fprintf(stderr, "cannot read %s\n", argv[i]);
                return 1;
            }
            for (int f = 0; f < files.n; f++) {
                char *path = corpus_files_join(argv[i], files.paths[f]);
                measure(path, files.paths[f], truth_name, truth_track, verbose, &tally);
                free(path);
            }
            corpus_files_free(&files);
        }
    }
    if (!tally.files) {
        fprintf(stderr, "no file with a known melody track\n");
        return 1;
    }
    printf("files %ld\n", tally.files);
    printf("melody track picked: %.1f%% with names, %.1f%% without names (the part with the "
           "highest mean pitch: %.1f%%)\n",
           100.0 * tally.picked / tally.files, 100.0 * tally.picked_blind / tally.files,
           100.0 * tally.picked_highest / tally.files);
    printf("melody note steps reproduced (%ld): heuristic %.1f%%, heuristic without names "
           "%.1f%%, skyline %.1f%%\n",
           tally.melody_steps, 100.0 * tally.same_heuristic / tally.melody_steps,
           100.0 * tally.same_blind / tally.melody_steps,
           100.0 * tally.same_skyline / tally.melody_steps);
    return 0;
}
