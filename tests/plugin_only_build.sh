#!/usr/bin/env bash
# A packager's plugin-only build needs the LV2 headers and libm and nothing
# else. This configures one from scratch with -Dauto_features=disabled
# -Dplugin=enabled where pkg-config sees lv2.pc alone, fails if Meson looked up
# any other library (by pkg-config, CMake or the compiler), builds it, and runs
# its tests: the binary needs only libc and libm, the bundle's Turtle is valid
# and every file it names is there. The installed bundle is made by other rules
# than the build tree's, so it is installed to a scratch folder and checked too.
# Seconds, on two cores.
#
#   tests/plugin_only_build.sh BUILD_DIR      (from the source tree; BUILD_DIR is wiped)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: tests/plugin_only_build.sh BUILD_DIR}

lv2_pc="$(pkg-config --variable=pcfiledir lv2)/lv2.pc"
[ -f "$lv2_pc" ] || {
    echo "no lv2.pc (Debian: lv2-dev)" >&2
    exit 1
}
pc_dir=$(mktemp -d)
dest_dir=$(mktemp -d)
trap 'rm -rf "$pc_dir" "$dest_dir"' EXIT
cp "$lv2_pc" "$pc_dir/"

rm -rf "$dir"
PKG_CONFIG_LIBDIR=$pc_dir PKG_CONFIG_PATH='' \
    meson setup "$dir" -Dauto_features=disabled -Dplugin=enabled

# Every dependency() and find_library() leaves one of these lines, found or not;
# a library found through CMake would pass the pkg-config fence, not this.
looked_up=$(sed -nE 's/^(Run-time dependency|Build-time dependency|Dependency|Library) ([^ ]+) .*/\2/p' \
    "$dir/meson-logs/meson-log.txt" | sort -u)
status=0
for lib in $looked_up; do
    case "$lib" in
    lv2 | m) ;;
    *)
        echo "the plugin-only build looked up $lib: only lv2 and libm may be" >&2
        status=1
        ;;
    esac
done
echo "plugin-only build looked up: $(echo "$looked_up" | tr "\n" " ")"
[ $status -eq 0 ] || exit 1

ninja -C "$dir"
meson test -C "$dir" --print-errorlogs --num-processes 2

meson install -C "$dir" --destdir "$dest_dir" --quiet
installed=$(find "$dest_dir" -type d -name cantus.lv2)
[ -n "$installed" ] || {
    echo "meson install put no cantus.lv2 under $dest_dir" >&2
    exit 1
}
tests/check_bundle_files.sh "$installed"
tests/check_needed.sh "$installed/cantus.so"
