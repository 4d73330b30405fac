#!/usr/bin/env bash
# Download the rig's Debian kernel images into the cache and prepare them:
# $PCIASSIGN_CACHE/kernels/<abi>/{vmlinuz,config,lib/modules/<abi>/...}
# with modules.dep generated (the .debs ship none).
set -euo pipefail
. "$(dirname "$0")/rig-env.sh"

mkdir -p "$PCIASSIGN_CACHE/debs" "$PCIASSIGN_CACHE/kernels"
for short in "${RIG_KERNEL_NAMES[@]}"; do
	abi=$(rig_kernel_abi "$short")
	echo "$abi" >"$PCIASSIGN_CACHE/abi-$short"
	dest=$PCIASSIGN_CACHE/kernels/$abi
	[ -f "$dest/.ready" ] && continue

	note "fetching kernel image $abi"
	(cd "$PCIASSIGN_CACHE/debs" &&
	 ls linux-image-"$abi"_*.deb >/dev/null 2>&1 ||
	 apt-get download "linux-image-$abi" 2>&1 | grep -v 'unsandboxed' || true)
	deb=$(ls "$PCIASSIGN_CACHE"/debs/linux-image-"$abi"_*.deb 2>/dev/null | head -n1)
	[ -n "$deb" ] || die "could not download linux-image-$abi"

	rm -rf "$dest" && mkdir -p "$dest/x"
	dpkg -x "$deb" "$dest/x"
	mv "$dest/x/boot/vmlinuz-$abi" "$dest/vmlinuz"
	mv "$dest/x/boot/config-$abi" "$dest/config"
	mkdir -p "$dest/lib/modules"
	mv "$dest/x/lib/modules/$abi" "$dest/lib/modules/"
	rm -rf "$dest/x"
	depmod -b "$dest" "$abi"
	touch "$dest/.ready"
done
