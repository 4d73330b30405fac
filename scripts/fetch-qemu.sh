#!/usr/bin/env bash
# Download the QEMU of the rig's sriov profile into the cache and unpack
# it: $PCIASSIGN_CACHE/qemu-<version>/usr/{bin,share/qemu,...}, never
# installed (the machine's own QEMU stays as it is). Debian 12's QEMU 7.2
# has no igb (82576, an SR-IOV NIC whose VFs get their own IOMMU group);
# bookworm-backports' QEMU is built for bookworm's libraries, so its
# binary runs from there with the machine's libraries. The version is
# RIG_SRIOV_QEMU_VERSION (rig-env.sh); the packages come through the
# machine's apt (scripts/install-deps.sh adds bookworm-backports).
set -euo pipefail
. "$(dirname "$0")/rig-env.sh"

dest=$(rig_sriov_qemu_dir)
[ -f "$dest/.ready" ] && exit 0
note "fetching QEMU $RIG_SRIOV_QEMU_VERSION for the sriov profile"
mkdir -p "$PCIASSIGN_CACHE/debs"
debs=()
for p in qemu-system-x86 qemu-system-common qemu-system-data; do
	# The epoch's colon is %3a in the file name.
	glob="${p}_${RIG_SRIOV_QEMU_VERSION/:/%3a}_*.deb"
	deb=$(ls "$PCIASSIGN_CACHE"/debs/$glob 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		(cd "$PCIASSIGN_CACHE/debs" &&
		 apt-get download "$p=$RIG_SRIOV_QEMU_VERSION" 2>&1 | grep -v 'unsandboxed' || true)
		deb=$(ls "$PCIASSIGN_CACHE"/debs/$glob 2>/dev/null | head -n1 || true)
	fi
	[ -n "$deb" ] || die "could not download $p $RIG_SRIOV_QEMU_VERSION (apt-cache policy $p: is bookworm-backports in the apt sources, and is that version still there? RIG_SRIOV_QEMU_VERSION in scripts/rig-env.sh pins it)"
	debs+=("$deb")
done
rm -rf "$dest" && mkdir -p "$dest"
for deb in "${debs[@]}"; do
	dpkg -x "$deb" "$dest"
done
missing=$(ldd "$dest/usr/bin/qemu-system-x86_64" | grep 'not found' || true)
[ -z "$missing" ] || die "QEMU $RIG_SRIOV_QEMU_VERSION needs libraries this machine lacks: $missing"
"$dest/usr/bin/qemu-system-x86_64" -L "$dest/usr/share/qemu" -device igb,help >/dev/null ||
	die "QEMU $RIG_SRIOV_QEMU_VERSION in $dest has no igb device"
touch "$dest/.ready"
