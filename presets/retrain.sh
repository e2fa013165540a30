#!/bin/sh
# Retrains the shipped genre presets from ../shared/corpus with the exact
# commands that made them (presets/README.md gives each run's time and figures).
#
#   presets/retrain.sh BUILD_DIR [GENRE...]      (default: every genre)
#
# CORPUS (default: ../shared/corpus beside the repository) and OUT (default:
# presets/) may be set in the environment. The runs are deterministic for a
# given build and thread count: they train on 1 thread, as the shipped models
# were. ABLATION=1 trains the same networks without the metre input (no
# --bar-steps) into OUT/<genre>_nometre.safetensors, for the steps the
# ablation in presets/README.md compares (each metre run's validation NLL at
# that step is in its log).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: presets/retrain.sh BUILD_DIR [GENRE...]}
shift
train="$build/trainer/cantus-train"
corpus=${CORPUS:-$here/../../shared/corpus}
out=${OUT:-$here}
[ -x "$train" ] || { echo "retrain.sh: no $train (ninja -C $build trainer/cantus-train)" >&2; exit 1; }
[ $# -gt 0 ] || set -- folk baroque jazz game

for genre in "$@"; do
    # Every genre at its own step grid (presets/grid.py measures the choice)
    # with the metre as an input: P = the steps of the longest bar it keeps.
    case $genre in
    folk)
        # Eighths; P 12: a 12/8 or 6/4 bar at two steps a quarter.
        set -- --corpus "$corpus/folk" --label "Folk (Nottingham)" \
            --steps-per-beat 2 --bar-steps 12 \
            --transpose -5..6 --hidden 128 --steps 8000 --batch 128 --lr 0.002 \
            --eval-every 250 --patience 8 ; ablation_steps=2000 ;;
    baroque)
        # Track 1 is the soprano in every chorale file (track 0 holds no notes);
        # the melody heuristic picks it too, forcing it keeps it so. Eighths, 4/4.
        set -- --corpus "$corpus/baroque" --label "Baroque (Bach chorales, soprano)" --track 1 \
            --steps-per-beat 2 --bar-steps 8 \
            --transpose -5..6 --hidden 128 --steps 4000 --batch 128 --lr 0.002 \
            --eval-every 100 --patience 10 ; ablation_steps=3200 ;;
    jazz)
        # Sixteenths (the solos are transcribed off the MIDI beat: the finest
        # grid the plugin plays keeps the most of them).
        set -- --corpus "$corpus/jazz" --label "Jazz (Weimar Jazz Database solos)" \
            --steps-per-beat 4 --bar-steps 16 \
            --transpose -5..6 --hidden 128 --steps 6000 --batch 128 --lr 0.002 \
            --eval-every 250 --patience 6 ; ablation_steps=1500 ;;
    game)
        # Every Debian game folder together; the few notes outside 36..96
        # (0.7 % of the melody notes) are folded in by octaves rather than
        # widening the vocabulary. Sixteenths.
        set -- --corpus "$corpus/game" --label "Game (Debian game soundtracks)" \
            --low 36 --high 96 --steps-per-beat 4 --bar-steps 16 \
            --transpose -5..6 --hidden 128 --steps 4000 --batch 128 --lr 0.002 \
            --eval-every 100 --patience 10 ; ablation_steps=2200 ;;
    *)
        echo "retrain.sh: unknown genre $genre (folk baroque jazz game)" >&2
        exit 1 ;;
    esac
    name=$genre
    if [ "${ABLATION:-0}" = 1 ]; then
        # The same network and grid without the metre input.
        for arg; do
            shift
            case $arg in --bar-steps | --steps) skip=$arg; continue ;; esac
            case ${skip:-} in
            --steps) skip=; set -- "$@" --steps "$ablation_steps"; continue ;;
            --bar-steps) skip=; continue ;;
            esac
            set -- "$@" "$arg"
        done
        name=${genre}_nometre
    fi
    echo "retrain.sh: $name" >&2
    nice -n 2 "$train" train "$@" --genre "$genre" --seed 1 --threads 1 -o "$out/$name.safetensors"
    rm -f "$out/$name.safetensors.ckpt"
done
