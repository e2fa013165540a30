#!/usr/bin/env bash
# The README's screenshot of Cantus's inline display in Ardour 7's mixer
# strip, redone: a session made headless by luasession (session.lua), then
# Ardour's GUI under Xvfb on a JACK dummy server of its own, the mixer
# window opened, the transport rolled 12 s, the screen grabbed and cropped.
# A one-off, not a test: Ardour's dialogs are answered by clicking where
# they appeared in the run that made docs/images (1600x1000, Ardour 7.3,
# Debian 12), so another Ardour may need other coordinates; look at the
# shots it leaves in $work when it goes wrong.
#
# Needs: ardour, xvfb, jackd2, xdotool, imagemagick; cantus.lv2 in LV2_PATH.
# Usage: LV2_PATH=build/lv2 tests/host/ardour/screenshot/screenshot.sh OUTDIR
set -euo pipefail
out=${1:?usage: screenshot.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
lib=$(find /usr/lib -maxdepth 1 -name "ardour[0-9]*" | sort -V | tail -1)
work=$(mktemp -d /tmp/cantus-shot.XXXXXX)
export HOME=$work/home DISPLAY=:57 JACK_DEFAULT_SERVER=cantus-shot-$$
mkdir -p "$HOME/.config/ardour7" "$out"
touch "$HOME/.config/ardour7/.a7" # no first-run wizard

env LD_LIBRARY_PATH="$lib" ARDOUR_DLL_PATH="$lib" ARDOUR_DATA_PATH="/usr/share/$(basename "$lib")" \
    ARDOUR_CONFIG_PATH="/etc/$(basename "$lib")" LV2_PATH="$LV2_PATH:/usr/lib/lv2" OUT="$work" \
    timeout 120 "$lib/luasession" "$here/session.lua" >"$work/luasession.log" 2>&1

Xvfb :57 -screen 0 1600x1000x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb=$!
jackd -n "$JACK_DEFAULT_SERVER" -d dummy -r 48000 -p 256 >"$work/jackd.log" 2>&1 &
jackd=$!
sleep 3
LV2_PATH="$LV2_PATH:/usr/lib/lv2" /usr/bin/ardour "$work/cantus/cantus.ardour" >"$work/ardour.log" 2>&1 &
ardour=$!
trap 'kill $ardour; sleep 3; kill $jackd $xvfb' EXIT

click() { # X Y SECONDS-AFTER NAME
    xdotool mousemove "$1" "$2" click 1
    sleep "$3"
    import -window root "$work/$4.png"
}
sleep 25
import -window root "$work/0-start.png"
click 971 539 5 1-device-changed-ok       # "Engine I/O device has changed": OK
click 806 358 2 2-audio-system            # the Audio System menu
click 760 380 3 3-jack                    # JACK (the dummy server above)
click 1087 660 20 4-connect               # Connect to JACK
click 1254 730 20 5-memlock-ok            # the locked-memory warning: OK
click 1326 73 2 6-mixer                   # Mix
click 157 43 15 7-rolling                 # Play, 15 s
/usr/bin/convert "$work/7-rolling.png" -crop 112x590+274+98 +repage "$out/ardour-mixer-strip.png"
/usr/bin/convert "$work/7-rolling.png" -crop 84x76+280+174 +repage -filter point -resize 400% \
    "$out/ardour-inline-display-4x.png"
echo "screenshot: $out (shots of every step in $work)"
