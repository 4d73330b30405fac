#!/usr/bin/env bash
# build-kmod.sh ABI: build pciassign.ko for kernel ABI in build/kmod-ABI
# (a copy of the sources, so builds for several kernels do not collide)
# with warnings as errors. Prints the path of the module.
#   PCIASSIGN_FAULT_INJECT=1  the fault-injection build, in build/kmod-ABI-fi
#   PCIASSIGN_SPARSE=1        the same build with sparse over every file (C=2)
# A trixie kernel's module is built in the trixie chroot
# (scripts/trixie-chroot.sh, set up on first use). A failed build leaves no
# pciassign.ko behind: the previous one is removed first, so a rig run can
# never boot a module older than the sources.
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
release=$(rig_abi_release "$abi")
if [ "$release" = trixie ]; then
	"$PCIASSIGN_TOP/scripts/trixie-chroot.sh" setup "$abi" >&2
	kdir=/lib/modules/$abi/build	# inside the chroot
else
	[ -e "$kdir/Makefile" ] || die "no kernel headers for $abi at $kdir; run scripts/install-deps.sh"
fi
[ -n "${PCIASSIGN_SPARSE:-}" ] && extra+=(C=2)
dst=$PCIASSIGN_BUILD/kmod-$abi$suffix
mkdir -p "$dst/kmod" "$dst/uapi/linux"
cp -u "$PCIASSIGN_TOP"/kmod/*.[ch] "$PCIASSIGN_TOP"/kmod/Kbuild "$dst/kmod/"
cp -u "$PCIASSIGN_TOP"/uapi/linux/*.h "$dst/uapi/linux/"
cp -u "$PCIASSIGN_TOP/VERSION" "$dst/"
# Files deleted from the tree must not linger in the copy.
for f in "$dst"/kmod/*.[ch]; do
	[ -e "$PCIASSIGN_TOP/kmod/$(basename "$f")" ] || rm -f "$f"
done
ko=$dst/kmod/pciassign.ko
rm -f "$ko"
cmd=(make -s -C "$kdir" M="$dst/kmod" KCFLAGS="-Werror ${PCIASSIGN_KCFLAGS:-}" "${extra[@]}" modules)
if [ "$release" = trixie ]; then
	"$PCIASSIGN_TOP/scripts/trixie-chroot.sh" run "$dst" "${cmd[@]}" >&2 || rc=$?
else
	"${cmd[@]}" >&2 || rc=$?
fi
if [ "${rc:-0}" != 0 ] || [ ! -f "$ko" ]; then
	rm -f "$ko"
	die "building pciassign.ko for $abi failed (status ${rc:-0})"
fi
echo "$ko"
