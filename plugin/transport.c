/* The time:Position reader; see transport.h. */
#include "transport.h"

#include <math.h>

/* Any numeric atom as a double; false for anything else (and non-finite). */
static bool read_number(const CantusURIs *uris, const LV2_Atom *atom, double *value)
{
    if (!atom) return false;
    double v;
    if (atom->type == uris->atom_Double && atom->size >= sizeof(double))
        v = ((const LV2_Atom_Double *)atom)->body;
    else if (atom->type == uris->atom_Float && atom->size >= sizeof(float))
        v = ((const LV2_Atom_Float *)atom)->body;
    else if (atom->type == uris->atom_Int && atom->size >= sizeof(int32_t))
        v = ((const LV2_Atom_Int *)atom)->body;
    else if (atom->type == uris->atom_Long && atom->size >= sizeof(int64_t))
        v = (double)((const LV2_Atom_Long *)atom)->body;
    else
        return false;
    if (!isfinite(v)) return false;
    *value = v;
    return true;
}

bool transport_read_position(const CantusURIs *uris, const LV2_Atom_Object *object,
                             CantusPositionFields *fields)
{
    if (object->body.otype != uris->time_Position) return false;
    const LV2_Atom *speed = NULL, *bar = NULL, *bar_beat = NULL, *beat = NULL;
    const LV2_Atom *beats_per_bar = NULL, *beat_unit = NULL, *bpm = NULL, *frame = NULL;
    lv2_atom_object_get(object, uris->time_speed, &speed, uris->time_bar, &bar, uris->time_barBeat,
                        &bar_beat, uris->time_beat, &beat, uris->time_beatsPerBar, &beats_per_bar,
                        uris->time_beatUnit, &beat_unit, uris->time_beatsPerMinute, &bpm,
                        uris->time_frame, &frame, 0);
    *fields = (CantusPositionFields){0};
    fields->has_speed = read_number(uris, speed, &fields->speed);
    fields->has_bar = read_number(uris, bar, &fields->bar);
    fields->has_bar_beat = read_number(uris, bar_beat, &fields->bar_beat);
    fields->has_beat = read_number(uris, beat, &fields->beat);
    fields->has_beats_per_bar = read_number(uris, beats_per_bar, &fields->beats_per_bar);
    fields->has_beat_unit = read_number(uris, beat_unit, &fields->beat_unit);
    fields->has_bpm = read_number(uris, bpm, &fields->bpm) && fields->bpm > 0.0;
    fields->has_frame = read_number(uris, frame, &fields->frame);
    return true;
}

void transport_init(CantusTransport *transport)
{
    *transport = (CantusTransport){.speed = 0.0, .bpm = 0.0, .beats_per_bar = 4.0, .beat_unit = 4};
}

static bool musical(double bpm)
{
    return bpm >= CANTUS_TRANSPORT_MIN_BPM && bpm <= CANTUS_TRANSPORT_MAX_BPM;
}

double transport_bpm(const CantusTransport *transport, double fallback_bpm)
{
    return musical(transport->bpm) ? transport->bpm : fallback_bpm;
}

double transport_tempo(const CantusTransport *transport, double fallback_bpm)
{
    if (!transport->host_seen) return fallback_bpm;
    /* Speed 0 is stopped; a negative speed (playing backwards) cannot be
     * followed by a generator and stops it too. */
    if (!(transport->speed > 0.0)) return 0.0;
    const double bpm = transport->bpm > 0.0 ? transport->bpm : fallback_bpm;
    const double tempo = bpm * transport->speed;
    return musical(tempo) ? tempo : fallback_bpm;
}

/* A song position the grid can hold: finite and within
 * CANTUS_TRANSPORT_MAX_BEAT of beat 0. */
static bool usable_beat(double beat)
{
    return isfinite(beat) && fabs(beat) <= CANTUS_TRANSPORT_MAX_BEAT;
}

double transport_apply(CantusTransport *transport, const CantusPositionFields *fields,
                       double predicted, double sample_rate, double fallback_bpm, bool *moved)
{
    transport->host_seen = true;
    if (fields->has_speed) transport->speed = fields->speed;
    if (fields->has_bpm) transport->bpm = fields->bpm;
    /* A bar of no beats (or of 1e300) or a bar number beyond any song makes
     * this update's bar and barBeat meaningless; its tempo still counts. */
    const bool bad_meter =
        fields->has_beats_per_bar && !(fields->beats_per_bar > 0.0 &&
                                       fields->beats_per_bar <= CANTUS_TRANSPORT_MAX_BEATS_PER_BAR);
    const bool bad_bar = fields->has_bar && !usable_beat(fields->bar);
    if (fields->has_beats_per_bar && !bad_meter && !bad_bar)
        transport->beats_per_bar = fields->beats_per_bar;
    if (fields->has_bar && !bad_meter && !bad_bar) transport->bar = fields->bar;
    /* The beat's note value counts no beats (positions are in the host's
     * beats whatever it is), so a wrong one spoils nothing but itself. */
    if (fields->has_beat_unit && fields->beat_unit >= CANTUS_TRANSPORT_MIN_BEAT_UNIT &&
        fields->beat_unit <= CANTUS_TRANSPORT_MAX_BEAT_UNIT &&
        fields->beat_unit == nearbyint(fields->beat_unit))
        transport->beat_unit = (int)fields->beat_unit;

    *moved = false;
    /* A host rolling at a nonsense tempo counts its beats at that tempo
     * too: while the plugin plays at fallback_bpm its positions would be a
     * relocation every cycle. They are ignored until the tempo is sane. */
    if (transport->speed > 0.0) {
        const double bpm = transport->bpm > 0.0 ? transport->bpm : fallback_bpm;
        if (!musical(bpm * transport->speed)) return predicted;
    }
    double beat;
    bool bbt = true;
    if (fields->has_bar_beat) {
        if (bad_meter || bad_bar) return predicted;
        beat = transport->bar * transport->beats_per_bar + fields->bar_beat;
    } else if (fields->has_beat)
        beat = fields->beat;
    else if (fields->has_frame && !transport->has_bbt && sample_rate > 0.0) {
        beat = fields->frame * transport_bpm(transport, fallback_bpm) / 60.0 / sample_rate;
        bbt = false;
    } else
        return predicted;
    /* A position no grid can hold (a bar of 1e300 beats, bar 1e15) is the
     * host talking nonsense: it is ignored and the line goes on. */
    if (!usable_beat(beat)) return predicted;
    if (bbt) transport->has_bbt = true;
    *moved = true;
    return beat;
}
