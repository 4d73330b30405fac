#!/usr/bin/env bash
# build-initramfs.sh ABI MODULE_KO OUT [PROFILE]
# Builds the rig guest's initramfs: busybox, the host-kernel modules the
# tests need (decompressed, with modules.dep), pciassign.ko under extra/,
# the static test binaries and the case scripts. The profiles that boot a
# nested Linux guest (linux, bench) also get /tests/linux/: the rig's own
# kernel, the nested initramfs (tests/vm/nested/) and the cases' helpers.
set -euo pipefail
. "$(dirname "$0")/../../scripts/rig-env.sh"

abi=$1 ko=$2 out=$3 profile=${4:-default}
kroot=$PCIASSIGN_CACHE/kernels/$abi
[ -f "$kroot/.ready" ] || die "kernel $abi not fetched; run scripts/fetch-kernels.sh"
# A failed build-kmod.sh leaves no module (never an older one): say so.
[ -f "$ko" ] || die "no module $ko (its build failed? see scripts/build-kmod.sh)"
guestbin=$PCIASSIGN_BUILD/guest-bin

# Host drivers for the emulated devices, VFIO for side-by-side runs and KVM
# for nested guests; igb and pci-pf-stub (a PF driver that only enables
# VFs, and leaves them enabled when unbound) for the sriov profile.
GUEST_MODULES=(e1000e e1000 nvme vfio-pci vfio_iommu_type1 kvm_amd igb pci-pf-stub)

root=$(mktemp -d "$PCIASSIGN_BUILD/initramfs.XXXXXX")
chmod 0755 "$root"	# the guest's /: unprivileged test processes traverse it
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,lib/modules/"$abi"/extra,tests/bin}

initramfs_busybox "$root"
initramfs_modules "$root" "$abi" "${GUEST_MODULES[@]}"
cp "$ko" "$root/lib/modules/$abi/extra/pciassign.ko"
depmod -b "$root" "$abi"

cp "$PCIASSIGN_TOP"/tests/vm/guest/init "$root/"
cp "$PCIASSIGN_TOP"/tests/vm/guest/{run-cases,lib.sh,demo} "$root/tests/"
cp -r "$PCIASSIGN_TOP"/tests/vm/guest/cases "$PCIASSIGN_TOP"/tests/vm/guest/profiles "$root/tests/"
cp "$guestbin"/* "$root/tests/bin/"
# pciassign-vmm's nested-guest payload is data, not a program.
if [ -f "$root/tests/bin/payload.bin" ]; then
	mkdir -p "$root/tests/guest"
	mv "$root/tests/bin/payload.bin" "$root/tests/guest/payload.bin"
fi
cp "$PCIASSIGN_TOP/VERSION" "$root/tests/expected-version"
case $profile in
linux | bench)
	mkdir -p "$root/tests/linux"
	cp "$kroot/vmlinuz" "$root/tests/linux/vmlinuz"
	"$PCIASSIGN_TOP/tests/vm/nested/build-nested-initramfs.sh" "$abi" "$root/tests/linux/initramfs.gz"
	cp "$PCIASSIGN_TOP/tests/vm/nested/rig-lib.sh" "$root/tests/linux/lib.sh"
	;;
esac
chmod +x "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
