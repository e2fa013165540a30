#!/usr/bin/env bash
# The README's two commands, and what CI runs.
#
#   ./cantus.sh demo   install what is missing, build, install cantus.lv2 to ~/.lv2,
#                      render 8 bars of every shipped preset through the plugin
#   ./cantus.sh test   install what is missing, build, run the whole test suite
#                      (release build, a plugin-only build that may see nothing but the
#                      LV2 headers and libm, the ASan+UBSan build, then two real hosts,
#                      jalv and Ardour, then a minute of each fuzz harness)
#
# Debian 12, as root (or with sudo). Everything it needs comes from Debian's archive.
set -euo pipefail
cd "$(dirname "$0")"
top=$PWD

# What a fresh Debian 12 lacks. Build and run: compiler, Meson, the LV2 stack, the
# libraries; real hosts for the tests (jalv, jackd2, Ardour with its own LV2 synth);
# the demo's synth and soundfont.
packages=(
    build-essential pkg-config meson ninja-build clang clang-format libclang-rt-14-dev git
    python3-torch
    lv2-dev liblilv-dev lilv-utils sordi
    libjansson-dev libopenblas-dev libsmf-dev libcmocka-dev libcairo2-dev
    jalv jackd2 ardour
    fluidsynth fluid-soundfont-gm sox
)

log() { printf '\n== %s\n' "$*"; }

install_missing() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# build DIR [meson options...]: configure once, then build incrementally.
# Every part is `enabled`, so that a library gone missing is an error here,
# never a part (or its tests) quietly left out.
build() {
    local dir=$1
    shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" -Dauto_features=enabled "$@"
    fi
    ninja -C "$dir"
}

demo() {
    install_missing
    log "building (build/)"
    build build
    log "installing cantus.lv2 to $HOME/.lv2"
    mkdir -p "$HOME/.lv2"
    rm -rf "$HOME/.lv2/cantus.lv2"
    cp -rL build/lv2/cantus.lv2 "$HOME/.lv2/cantus.lv2"
    log "rendering 8 bars of every preset through the installed plugin (out/)"
    LV2_PATH="$HOME/.lv2" sh presets/demo.sh build out 8
}

# Counts every test result meson logged in the given build dirs, and prints the
# plain closing line CI reads: "N passed, N failed, N skipped".
summary() {
    /usr/bin/python3 - "$@" <<'PY'
import json, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
for d in sys.argv[1:]:
    with open(f"{d}/meson-logs/testlog.json") as f:
        for line in f:
            r = json.loads(line)["result"]
            key = {"OK": "passed", "EXPECTEDFAIL": "passed", "SKIP": "skipped"}.get(r, "failed")
            counts[key] += 1
print(f"tests: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
PY
}

test_all() {
    install_missing
    log "release build and tests (build/)"
    build build
    meson test -C build --print-errorlogs --num-processes 2
    log "plugin-only build (build-plugin/): the LV2 headers and libm, nothing else"
    bash tests/plugin_only_build.sh build-plugin
    log "ASan + UBSan build and tests (build-asan/)"
    build build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        meson test -C build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 4
    log "a real host: jalv on JACK's dummy backend, transport rolling"
    LV2_PATH="$top/build/lv2" bash tests/host/jalv_on_jack.sh
    log "a real host: Ardour, headless: presets, automation, export"
    LV2_PATH="$top/build/lv2" bash tests/host/ardour_session.sh
    log "fuzzing: every libFuzzer harness for 60 s from its committed corpus"
    bash fuzz/run.sh 60
    summary build build-plugin build-asan
}

case "${1:-}" in
demo) demo ;;
test) test_all ;;
*)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac
