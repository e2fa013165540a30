ardour {
	["type"]    = "dsp",
	name        = "Cantus test note log",
	category    = "Utility",
	license     = "MIT",
	author      = "Cantus",
	description = [[Cantus's Ardour test: remembers the timeline sample of every MIDI note-on passing through (MIDI goes on unchanged).]]
}

local capacity = 4096

function dsp_ioconfig ()
	return { { midi_in = 1, midi_out = 1, audio_in = -1, audio_out = -1 } }
end

function dsp_init (rate)
	-- slot 0: count; then (sample, note) pairs
	self:shmem():allocate(1 + 2 * capacity)
	self:shmem():clear()
end

function dsp_configure (ins, outs)
	n_out = outs
end

function dsp_runmap (bufs, in_map, out_map, n_samples, offset)
	ARDOUR.DSP.process_map (bufs, n_out, in_map, out_map, n_samples, offset)
	if not Session:transport_rolling () then return end
	local ib = in_map:get (ARDOUR.DataType ("midi"), 0)
	if ib == ARDOUR.ChanMapping.Invalid then return end
	local log = self:shmem():to_int(0):array()
	local now = Session:transport_sample ()
	for _, e in pairs (bufs:get_midi (ib):table ()) do
		local b = e:buffer():array()
		if e:size() == 3 and (b[1] & 0xf0) == 0x90 and b[3] > 0 and log[1] < capacity then
			log[1] = log[1] + 1
			log[2 * log[1]] = now + e:time()
			log[2 * log[1] + 1] = b[2]
		end
	end
end
