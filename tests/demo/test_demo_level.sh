#!/bin/sh
# The README's demo as a user hears it: presets/demo.sh renders every preset
# through the plugin to MIDI, WAV and PNG, and every WAV must be loud enough
# to hear at once (peak within 0.5 dB of -1 dBFS) and not silence (RMS above
# -40 dBFS). Prints "N passed, N failed".
#   tests/demo/test_demo_level.sh SOURCE_DIR BUILD_DIR
set -eu
src=$1
build=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
sh "$src/presets/demo.sh" "$build" "$out" 2 >"$out/log" 2>&1 || { cat "$out/log"; exit 1; }
passed=0
failed=0
for wav in "$out"/*.wav; do
    [ -f "$wav" ] || { echo "no WAV rendered"; cat "$out/log"; exit 1; }
    # sox's stat prints linear amplitudes; dBFS = 20 log10.
    levels=$(sox "$wav" -n stat 2>&1 | awk '/Maximum amplitude/ {max = $3} /Minimum amplitude/ {min = -$3}
        /RMS +amplitude/ {rms = $3}
        END {peak = max > min ? max : min; printf "%.2f %.2f", 20 * log(peak) / log(10), 20 * log(rms) / log(10)}')
    peak=${levels% *}
    rms=${levels#* }
    if awk -v p="$peak" -v r="$rms" 'BEGIN {exit !(p >= -1.5 && p <= -0.5 && r > -40)}'; then
        passed=$((passed + 1))
        echo "$(basename "$wav"): peak $peak dBFS, RMS $rms dBFS"
    else
        failed=$((failed + 1))
        echo "$(basename "$wav"): peak $peak dBFS, RMS $rms dBFS: outside peak -1.5..-0.5 or RMS <= -40"
    fi
done
[ -f "$out/folk.png" ] && [ -f "$out/folk.mid" ] || { echo "no MIDI or piano roll"; exit 1; }
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -ge 4 ]
