#!/bin/sh
# Hear and see every shipped preset: 8 bars of each through the plugin
# (cantus-render loads the bundle and the preset through lilv) to a MIDI
# file, a WAV (fluidsynth with Debian's fluid-soundfont-gm, normalised by sox
# to a -1 dBFS peak) and a piano roll.
#
#   presets/demo.sh BUILD_DIR [OUT_DIR=demo] [BARS=8]
#
# BUILD_DIR must hold the assembled bundle (ninja -C BUILD_DIR builds
# cantus.lv2 and host/cantus-render); after adding a preset model, run
# `meson setup --reconfigure BUILD_DIR` so the bundle lists it.
set -eu

build=$(cd "${1:?usage: presets/demo.sh BUILD_DIR [OUT_DIR] [BARS]}" && pwd)
out=${2:-demo}
bars=${3:-8}
soundfont=/usr/share/sounds/sf2/FluidR3_GM.sf2
render="$build/host/cantus-render"
# The bundle in the build tree, unless the caller names where to look (the
# README's demo renders from the installed ~/.lv2, as a host would find it).
export LV2_PATH="${LV2_PATH:-$build/lv2}"
mkdir -p "$out"

for uri in $("$render" --list-presets 2>/dev/null); do
    name=${uri##*:}
    "$render" --preset "$uri" --bars "$bars" --quiet -o "$out/$name.mid" --png "$out/$name.png"
    if command -v fluidsynth >/dev/null && command -v sox >/dev/null && [ -f "$soundfont" ]; then
        # fluidsynth's default gain leaves a lone melody peaking near -28 dBFS
        # (RMS -40 to -49): normalised to a -1 dBFS peak, it is heard at once.
        fluidsynth -ni -q -F "$out/$name.raw.wav" -r 44100 "$soundfont" "$out/$name.mid" >/dev/null 2>&1
        sox --norm=-1 "$out/$name.raw.wav" "$out/$name.wav"
        rm -f "$out/$name.raw.wav"
        echo "$name: $out/$name.mid $out/$name.wav $out/$name.png"
    else
        echo "$name: $out/$name.mid $out/$name.png (no fluidsynth, sox or soundfont: no .wav)"
    fi
done
