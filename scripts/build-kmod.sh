#!/usr/bin/env bash
# build-kmod.sh ABI: build pciassign.ko for kernel ABI in build/kmod-ABI
# (a copy of the sources, so builds for several kernels do not collide)
# with warnings as errors. Prints the path of the module.
set -euo pipefail
. "$(dirname "$0")/rig-env.sh"

abi=$1
kdir=$(rig_kdir "$abi")
# PCIASSIGN_FAULT_INJECT=1: the test-only build with fault_inject.c.
extra=()
suffix=
if [ -n "${PCIASSIGN_FAULT_INJECT:-}" ]; then
	extra=(CONFIG_PCIASSIGN_FAULT_INJECT=y)
	suffix=-fi
fi
[ -e "$kdir/Makefile" ] || die "no kernel headers for $abi at $kdir; run scripts/install-deps.sh"
dst=$PCIASSIGN_BUILD/kmod-$abi$suffix
mkdir -p "$dst/kmod" "$dst/uapi/linux"
cp -u "$PCIASSIGN_TOP"/kmod/*.[ch] "$PCIASSIGN_TOP"/kmod/Kbuild "$dst/kmod/"
cp -u "$PCIASSIGN_TOP"/uapi/linux/*.h "$dst/uapi/linux/"
cp -u "$PCIASSIGN_TOP/VERSION" "$dst/"
# Files deleted from the tree must not linger in the copy.
for f in "$dst"/kmod/*.[ch]; do
	[ -e "$PCIASSIGN_TOP/kmod/$(basename "$f")" ] || rm -f "$f"
done
make -s -C "$kdir" M="$dst/kmod" KCFLAGS="-Werror ${PCIASSIGN_KCFLAGS:-}" "${extra[@]}" modules >&2
echo "$dst/kmod/pciassign.ko"
