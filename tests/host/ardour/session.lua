-- Cantus in Ardour, headless (luasession): one MIDI track holding Cantus,
-- the note log (scripts/cantus_note_log.lua) and Ardour's own synth, at
-- 130 BPM from Ardour's tempo map; a preset chosen from the plugin's preset
-- list; optional automation of seed or temperature from 4 s on; 8 s
-- exported (freewheel) as a host renders a session. Writes
-- $OUT/notes.txt ("sample pitch" per note-on, on Ardour's timeline) and
-- $OUT/ok once everything above has worked.
--
-- Environment: OUT, PRESET (a preset URI), EXPORT_PRESET (the UUID in
-- export/cantus-test.preset), AUTOMATE ("seed", "temperature" or empty).
local out = assert(os.getenv("OUT"), "OUT is not set")
local preset_uri = assert(os.getenv("PRESET"), "PRESET is not set")
local export_preset = assert(os.getenv("EXPORT_PRESET"), "EXPORT_PRESET is not set")
local automate = os.getenv("AUTOMATE") or ""

local RATE = 48000
local SECONDS = 8
-- Ardour's parameter numbers: the plugin's control ports in order.
local TEMPERATURE, SEED, RESTS, SWING = 0, 1, 10, 19
-- Automation parameters are named by LV2 port index instead.
local PORT = { [TEMPERATURE] = 2, [SEED] = 3 }

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$")
local cantus_session = dofile(here .. "/cantus_session.lua")

local function run()
	cantus_session.create(out .. "/session", RATE)
	local log = ARDOUR.LuaAPI.new_luaproc(Session, "Cantus test note log")
	assert(not log:isnil(), "the note log script is not on ARDOUR_DATA_PATH")
	local _, cantus = cantus_session.cantus_track({ { log, "the note log" } })

	-- The preset menu: what Ardour does when a user picks the preset.
	local plugin = cantus:to_insert():plugin(0)
	local preset = plugin:preset_by_uri(preset_uri)
	assert(preset, "Ardour does not list the preset " .. preset_uri)
	assert(plugin:load_preset(preset), "Ardour could not load the preset " .. preset_uri)
	ARDOUR.LuaAPI.set_processor_param(cantus, SEED, 5)
	ARDOUR.LuaAPI.set_processor_param(cantus, RESTS, 0) -- every step a note
	-- The jazz preset swings its pairs; this test measures the straight grid
	-- (the swung one is pinned by the plugin's own grid tests and the soak).
	ARDOUR.LuaAPI.set_processor_param(cantus, SWING, 50)

	cantus_session.set_tempo(130)

	if automate ~= "" then
		local which = automate == "seed" and SEED or TEMPERATURE
		local before = automate == "seed" and 5 or 1.0
		local after = automate == "seed" and 9 or 0.05
		-- A MIDI track's automation lives in beat time (1920 ticks a beat)
		-- and is interpolated: the ramp from `before` to `after` runs from
		-- 3.958 s to 4 s, between two steps of the jazz preset's model at
		-- 130 BPM (at 1, 2 or 4 steps a beat no step falls inside it;
		-- ardour_session.sh checks that for the model it finds).
		local list = ARDOUR.LuaAPI.plugin_automation(cantus, which)
		assert(list, "no automation list for " .. automate)
		list:add(Temporal.timepos_t(0), before, false, true)
		list:add(Temporal.timepos_t(RATE * 4 - 2000), before, false, true)
		list:add(Temporal.timepos_t(RATE * 4), after, false, true)
		local control = cantus:to_automatable():automation_control(
			Evoral.Parameter(ARDOUR.AutomationType.PluginAutomation, 0, PORT[which]), false)
		assert(not control:isnil(), "no automation control for " .. automate)
		control:set_automation_state(ARDOUR.AutoState.Play)
	end

	local export = Session:simple_export()
	export:set_name("render")
	export:set_folder(out)
	export:set_range(0, RATE * SECONDS)
	assert(export:set_preset(export_preset), "no export preset " .. export_preset)
	assert(export:run_export(), "the export failed")

	local notes = log:to_insert():plugin(0):to_luaproc():shmem():to_int(0):array()
	local file = assert(io.open(out .. "/notes.txt", "w"))
	for i = 1, notes[1] do
		file:write(notes[2 * i], " ", notes[2 * i + 1], "\n")
	end
	file:close()
	assert(io.open(out .. "/ok", "w")):close()
end

local ok, err = pcall(run)
if not ok then
	print("session.lua: " .. tostring(err))
end
io.stdout:flush()
-- Ardour 7.3 frees a SimpleExport's port channels when Lua collects it; if
-- that happens after close_session(), the ports are gone and free() aborts
-- (the core's stack: PortExportChannel::~PortExportChannel from lua_gc). So
-- collect it here, while the session lives.
collectgarbage()
close_session()
quit()
