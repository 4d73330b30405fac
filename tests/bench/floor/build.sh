#!/usr/bin/env bash
# build.sh ABI OUT_KO: build the floor module for kernel ABI (a copy of the
# sources under $PCIASSIGN_BUILD, with kmod/compat.h) and copy it to OUT_KO.
set -euo pipefail
. "$(dirname "$0")/../../../scripts/rig-env.sh"
abi=$1 out=$2
kdir=$(rig_kdir "$abi")
dst=$PCIASSIGN_BUILD/bench-floor-$abi
mkdir -p "$dst"
cp -u "$PCIASSIGN_TOP"/tests/bench/floor/{pa_floor.c,Kbuild} "$PCIASSIGN_TOP/kmod/compat.h" "$dst/"
make -s -C "$kdir" M="$dst" KCFLAGS=-Werror modules >&2
cp "$dst/pa_floor.ko" "$out"
