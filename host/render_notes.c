/* Note-ons paired with their note-offs, in beats, for the piano roll. */
#include <stdlib.h>

#include "render.h"

int render_notes(const RenderEvent *events, int count, const TempoMap *map, RenderNote **out)
{
    int start[16][128];
    int n = 0;
    for (int c = 0; c < 16; ++c)
        for (int p = 0; p < 128; ++p)
            start[c][p] = -1;
    *out = calloc((size_t)count + 1, sizeof(RenderNote));
    if (!*out) return 0;
    for (int i = 0; i < count; ++i) {
        const uint8_t *m = events[i].msg;
        int type = m[0] & 0xf0, ch = m[0] & 0x0f, pitch = m[1] & 0x7f;
        bool on = type == 0x90 && m[2] > 0;
        bool off = type == 0x80 || (type == 0x90 && m[2] == 0);
        if ((on || off) && start[ch][pitch] >= 0) {
            const RenderEvent *s = &events[start[ch][pitch]];
            (*out)[n++] = (RenderNote){
                .start_beat = tempo_map_beat_at(map, (double)s->frame),
                .end_beat = tempo_map_beat_at(map, (double)events[i].frame),
                .pitch = pitch,
                .velocity = s->msg[2],
                .channel = ch,
            };
            start[ch][pitch] = -1;
        }
        if (on) start[ch][pitch] = i;
    }
    return n;
}
