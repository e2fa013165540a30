-- A session for the README's screenshot of Cantus's inline display in
-- Ardour's mixer strip (run by screenshot.sh through luasession): one MIDI
-- track holding Cantus and Ardour's own synth, 120 BPM,
-- saved to $OUT/cantus/cantus.ardour.
local out = assert(os.getenv("OUT"), "OUT is not set")
local RATE = 48000

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$")
local cantus_session = dofile(here .. "/../cantus_session.lua")
cantus_session.create(out .. "/cantus", RATE)
cantus_session.cantus_track({})
cantus_session.set_tempo(120)
Session:save_state("", false, false, false, false, false)
print("saved " .. out .. "/cantus")
close_session()
quit()
