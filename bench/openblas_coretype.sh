# Sourced by the benchmark scripts (never by tests or CI): Debian's OpenBLAS
# 0.3.21 does not know some newer or virtual CPUs and falls back to its
# Prescott kernels (SSE3, no AVX), which slows every peer that links it --
# PyTorch and cantus-train alike -- by 2-4x. When it does, name the core the
# CPU's flags allow and say so; a value already set is kept.
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
    openblas_detected=$(OPENBLAS_VERBOSE=2 /usr/bin/python3 -c \
        'import torch; torch.ones(2, 2) @ torch.ones(2, 2)' 2>&1 | sed -n 's/^Core: //p' | head -n 1)
    if [ "$openblas_detected" = Prescott ]; then
        if grep -qw avx512f /proc/cpuinfo; then
            OPENBLAS_CORETYPE=SkylakeX
        elif grep -qw avx2 /proc/cpuinfo; then
            OPENBLAS_CORETYPE=Haswell
        fi
    fi
    if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
        export OPENBLAS_CORETYPE
        echo "OpenBLAS detected this CPU as $openblas_detected; OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE for every peer"
    else
        echo "OpenBLAS kernels: ${openblas_detected:-unknown} (as detected)"
    fi
else
    echo "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE (set by the caller) for every peer"
fi
