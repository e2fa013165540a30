-- A session for the README's screenshot of Cantus's inline display in
-- Ardour's mixer strip (run by screenshot.sh through luasession): one MIDI
-- track holding Cantus and Ardour's own synth, 120 BPM,
-- saved to $OUT/cantus/cantus.ardour.
local out = assert(os.getenv("OUT"), "OUT is not set")
local RATE = 48000

local backend = AudioEngine:set_backend("None (Dummy)", "", "")
assert(backend, "no dummy backend")
backend:set_sample_rate(RATE)
backend:set_buffer_size(256)
assert(create_session(out .. "/cantus", "cantus", RATE), "could not create a session")

local tracks = Session:new_midi_track(
	ARDOUR.ChanCount(ARDOUR.DataType("midi"), 1), ARDOUR.ChanCount(ARDOUR.DataType("audio"), 2),
	true, ARDOUR.PluginInfo(), nil, nil, 1, "Cantus", ARDOUR.PresentationInfo.max_order,
	ARDOUR.TrackMode.Normal, true, false)
local track = tracks:front()
local cantus = ARDOUR.LuaAPI.new_plugin(Session, "urn:cantus:generator", ARDOUR.PluginType.LV2, "")
assert(not cantus:isnil(), "Ardour does not find urn:cantus:generator on LV2_PATH")
assert(track:add_processor_by_index(cantus, 0, nil, true) == 0, "could not add Cantus")
local synth = ARDOUR.LuaAPI.new_plugin(Session, "https://community.ardour.org/node/7596",
	ARDOUR.PluginType.LV2, "")
assert(not synth:isnil(), "ACE Reasonable Synth is missing (ardour-lv2-plugins)")
assert(track:add_processor_by_index(synth, 1, nil, true) == 0, "could not add the synth")

local map = Temporal.TempoMap.write_copy()
map:set_tempo(Temporal.Tempo(120, 120, 4), Temporal.timepos_t(0))
Temporal.TempoMap.update(map)
Session:save_state("", false, false, false, false, false)
print("saved " .. out .. "/cantus")
close_session()
quit()
