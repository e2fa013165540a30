/* Every URI the plugin speaks, mapped once at instantiate (the LV2 book's
 * uris.h shape). The `cantus:` prefix is urn:cantus:, so the model file
 * parameter is urn:cantus:model. */
#ifndef CANTUS_PLUGIN_URIS_H
#define CANTUS_PLUGIN_URIS_H

#include <lv2/atom/atom.h>
#include <lv2/log/log.h>
#include <lv2/midi/midi.h>
#include <lv2/parameters/parameters.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/time/time.h>
#include <lv2/urid/urid.h>

#define CANTUS_URI    "urn:cantus:generator"
#define CANTUS_PREFIX "urn:cantus:"
#define CANTUS__model CANTUS_PREFIX "model"

typedef struct {
    LV2_URID atom_Blank;
    LV2_URID atom_Double;
    LV2_URID atom_Float;
    LV2_URID atom_Int;
    LV2_URID atom_Long;
    LV2_URID atom_Object;
    LV2_URID atom_Path;
    LV2_URID atom_Resource;
    LV2_URID atom_Sequence;
    LV2_URID atom_URID;
    LV2_URID atom_eventTransfer;
    LV2_URID cantus_model;
    LV2_URID midi_Event;
    LV2_URID patch_Get;
    LV2_URID patch_Set;
    LV2_URID patch_property;
    LV2_URID patch_value;
    LV2_URID time_Position;
    LV2_URID time_bar;
    LV2_URID time_barBeat;
    LV2_URID time_beat;
    LV2_URID time_beatUnit;
    LV2_URID time_beatsPerBar;
    LV2_URID time_beatsPerMinute;
    LV2_URID time_frame;
    LV2_URID time_speed;
} CantusURIs;

static inline void map_cantus_uris(LV2_URID_Map *map, CantusURIs *uris)
{
    uris->atom_Blank = map->map(map->handle, LV2_ATOM__Blank);
    uris->atom_Double = map->map(map->handle, LV2_ATOM__Double);
    uris->atom_Float = map->map(map->handle, LV2_ATOM__Float);
    uris->atom_Int = map->map(map->handle, LV2_ATOM__Int);
    uris->atom_Long = map->map(map->handle, LV2_ATOM__Long);
    uris->atom_Object = map->map(map->handle, LV2_ATOM__Object);
    uris->atom_Path = map->map(map->handle, LV2_ATOM__Path);
    uris->atom_Resource = map->map(map->handle, LV2_ATOM__Resource);
    uris->atom_Sequence = map->map(map->handle, LV2_ATOM__Sequence);
    uris->atom_URID = map->map(map->handle, LV2_ATOM__URID);
    uris->atom_eventTransfer = map->map(map->handle, LV2_ATOM__eventTransfer);
    uris->cantus_model = map->map(map->handle, CANTUS__model);
    uris->midi_Event = map->map(map->handle, LV2_MIDI__MidiEvent);
    uris->patch_Get = map->map(map->handle, LV2_PATCH__Get);
    uris->patch_Set = map->map(map->handle, LV2_PATCH__Set);
    uris->patch_property = map->map(map->handle, LV2_PATCH__property);
    uris->patch_value = map->map(map->handle, LV2_PATCH__value);
    uris->time_Position = map->map(map->handle, LV2_TIME__Position);
    uris->time_bar = map->map(map->handle, LV2_TIME__bar);
    uris->time_barBeat = map->map(map->handle, LV2_TIME__barBeat);
    uris->time_beat = map->map(map->handle, LV2_TIME__beat);
    uris->time_beatUnit = map->map(map->handle, LV2_TIME__beatUnit);
    uris->time_beatsPerBar = map->map(map->handle, LV2_TIME__beatsPerBar);
    uris->time_beatsPerMinute = map->map(map->handle, LV2_TIME__beatsPerMinute);
    uris->time_frame = map->map(map->handle, LV2_TIME__frame);
    uris->time_speed = map->map(map->handle, LV2_TIME__speed);
}

#endif
