#!/bin/sh
# Assembles the cantus.lv2 bundle in the build tree.
# Usage: assemble_bundle.sh BUNDLE_DIR STAMP SOURCE DEST [SOURCE DEST ...]
# Copies each SOURCE to BUNDLE_DIR/DEST (DEST may hold a folder), then
# touches STAMP, the file Meson tracks. Copies, not links: tests move and
# rewrite files in the bundle's neighbourhood and must not touch the sources.
set -eu
bundle=$1
stamp=$2
shift 2
mkdir -p "$bundle"
while [ "$#" -ge 2 ]; do
    mkdir -p "$(dirname "$bundle/$2")"
    cp -f "$1" "$bundle/$2.tmp"
    mv -f "$bundle/$2.tmp" "$bundle/$2"
    shift 2
done
touch "$stamp"
