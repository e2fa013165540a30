#!/usr/bin/env bash
# The plugin binary needs nothing a host may also load in another version:
# its NEEDED entries are libc.so.6 and libm.so.6 and nothing else (lv2lint's
# "binary links to non-whitelisted shared libraries"; libjansson.so.4 was one
# until core read its JSON itself). A sanitized build may add the sanitizer
# runtimes, and nothing more. ldd, which follows libc and libm down, must
# then list nothing but them, the kernel's vDSO and the loader.
#
#   tests/check_needed.sh PLUGIN.so [--sanitized]
set -euo pipefail
so=$1
allowed=(libc.so.6 libm.so.6)
if [ "${2:-}" = --sanitized ]; then
    allowed+=(libasan.so.8 libubsan.so.1) # gcc's; clang links them statically
fi

if command -v readelf >/dev/null; then
    needed=$(LC_ALL=C readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
elif command -v objdump >/dev/null; then
    needed=$(LC_ALL=C objdump -p "$so" | awk '$1 == "NEEDED" { print $2 }')
else
    echo "neither readelf nor objdump is installed: cannot check $so" >&2
    exit 77
fi

[ -n "$needed" ] || { echo "$so: no NEEDED entries read (not an ELF shared object?)" >&2; exit 1; }
status=0
for lib in $needed; do
    ok=0
    for a in "${allowed[@]}"; do
        [ "$lib" = "$a" ] && ok=1
    done
    if [ $ok -eq 0 ]; then
        echo "$so needs $lib, which is not in the allowed list (${allowed[*]})" >&2
        status=1
    fi
done
echo "$so needs: $(echo "$needed" | tr "\n" " ")"

# What the loader brings in for libc and libm: only itself and the vDSO.
# (A sanitized build's runtimes bring in more; NEEDED above already checks those.)
if [ "${2:-}" != --sanitized ] && command -v ldd >/dev/null; then
    loaded=$(LC_ALL=C ldd "$so" | awk '{ print $1 }')
    for lib in $loaded; do
        case "$(basename "$lib")" in
        libc.so.6 | libm.so.6 | linux-vdso.so.* | linux-gate.so.* | ld-linux*.so.*) ;;
        *)
            echo "ldd $so loads $lib, which is neither libc, libm nor the loader" >&2
            status=1
            ;;
        esac
    done
    echo "ldd $so: $(echo "$loaded" | tr "\n" " ")"
fi
exit $status
