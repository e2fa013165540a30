-- What the Ardour sessions share (session.lua, the test's; screenshot/
-- session.lua, the README's picture): a session on Ardour's dummy backend,
-- one MIDI track holding Cantus, other processors and Ardour's own synth,
-- and a constant tempo. Loaded with dofile(); returns its functions.
local M = {}

-- A new session named "cantus" in the folder dir.
function M.create(dir, rate)
	local backend = AudioEngine:set_backend("None (Dummy)", "", "")
	assert(backend, "no dummy backend")
	backend:set_sample_rate(rate)
	backend:set_buffer_size(256)
	assert(create_session(dir, "cantus", rate), "could not create a session")
end

-- The MIDI track "Cantus": Cantus first, then each { processor, name } of
-- `between` in order, then ACE Reasonable Synth. Returns the track and
-- Cantus's processor.
function M.cantus_track(between)
	local tracks = Session:new_midi_track(
		ARDOUR.ChanCount(ARDOUR.DataType("midi"), 1), ARDOUR.ChanCount(ARDOUR.DataType("audio"), 2),
		true, ARDOUR.PluginInfo(), nil, nil, 1, "Cantus", ARDOUR.PresentationInfo.max_order,
		ARDOUR.TrackMode.Normal, true, false)
	local track = tracks:front()
	local cantus = ARDOUR.LuaAPI.new_plugin(Session, "urn:cantus:generator", ARDOUR.PluginType.LV2, "")
	assert(not cantus:isnil(), "Ardour does not find urn:cantus:generator on LV2_PATH")
	assert(track:add_processor_by_index(cantus, 0, nil, true) == 0, "could not add Cantus")
	local index = 1
	for _, entry in ipairs(between) do
		assert(track:add_processor_by_index(entry[1], index, nil, true) == 0,
			"could not add " .. entry[2])
		index = index + 1
	end
	local synth = ARDOUR.LuaAPI.new_plugin(Session, "https://community.ardour.org/node/7596",
		ARDOUR.PluginType.LV2, "")
	assert(not synth:isnil(), "ACE Reasonable Synth is missing (ardour-lv2-plugins)")
	assert(track:add_processor_by_index(synth, index, nil, true) == 0, "could not add the synth")
	return track, cantus
end

-- Ardour's tempo map: bpm in 4/4 from the start.
function M.set_tempo(bpm)
	local map = Temporal.TempoMap.write_copy()
	map:set_tempo(Temporal.Tempo(bpm, bpm, 4), Temporal.timepos_t(0))
	Temporal.TempoMap.update(map)
end

return M
