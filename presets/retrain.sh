#!/bin/sh
# Retrains the shipped genre presets from ../shared/corpus with the exact
# commands that made them (presets/README.md gives each run's time and figures).
#
#   presets/retrain.sh BUILD_DIR [GENRE...]      (default: every genre)
#
# CORPUS (default: ../shared/corpus beside the repository) and OUT (default:
# presets/) may be set in the environment. The runs are deterministic for a
# given thread count: they train on 2 threads, as the shipped models were.
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
    case $genre in
    folk)
        set -- --corpus "$corpus/folk" --label "Folk (Nottingham)" \
            --transpose -5..6 --hidden 128 --steps 3000 --batch 128 --lr 0.002 \
            --eval-every 100 --patience 6 ;;
    baroque)
        # Track 1 is the soprano in every chorale file (track 0 holds no notes);
        # the melody heuristic picks it too, forcing it keeps it so.
        set -- --corpus "$corpus/baroque" --label "Baroque (Bach chorales, soprano)" --track 1 \
            --transpose -5..6 --hidden 128 --steps 2000 --batch 128 --lr 0.002 \
            --eval-every 50 --patience 10 ;;
    jazz)
        set -- --corpus "$corpus/jazz" --label "Jazz (Weimar Jazz Database solos)" \
            --transpose -5..6 --hidden 128 --steps 2500 --batch 128 --lr 0.002 \
            --eval-every 100 --patience 6 ;;
    game)
        # Every Debian game folder together; the few notes outside 36..96
        # (0.7 % of the melody notes) are folded in by octaves rather than widening the vocabulary.
        set -- --corpus "$corpus/game" --label "Game (Debian game soundtracks)" \
            --low 36 --high 96 \
            --transpose -5..6 --hidden 128 --steps 1500 --batch 128 --lr 0.002 \
            --eval-every 50 --patience 8 ;;
    *)
        echo "retrain.sh: unknown genre $genre (folk baroque jazz game)" >&2
        exit 1 ;;
    esac
    echo "retrain.sh: $genre" >&2
    nice -n 2 "$train" train "$@" --genre "$genre" --seed 1 --threads 2 -o "$out/$genre.safetensors"
    rm -f "$out/$genre.safetensors.ckpt"
done
