#!/usr/bin/env bash
# Install everything pciassign's build, tests and rig need on Debian 12.
# Idempotent; run as root. Also downloads the rig's kernels, and makes the
# trixie chroot that builds the module for the trixie kernel
# (scripts/trixie-chroot.sh; $PCIASSIGN_CACHE/trixie-root, about 550 MB).
set -euo pipefail
. "$(dirname "$0")/rig-env.sh"

[ "$(id -u)" = 0 ] || die "run as root (apt-get install)"

backports=/etc/apt/sources.list.d/pciassign-bookworm-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	note "adding the bookworm-backports suite (for the 6.12 kernel)"
	cat >"$backports" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/apt/periodic/pciassign-update-stamp
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +720)" ] ||
   [ -z "$(ls /var/lib/apt/lists/*bookworm-backports*Packages* 2>/dev/null)" ]; then
	note "apt-get update"
	apt-get update -qq
	mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi

pkgs=(build-essential gcc make pkg-config kmod cpio gzip xz-utils
      qemu-system-x86 ipxe-qemu busybox-static
      libnl-3-dev libnl-genl-3-dev libcmocka-dev dkms sparse
      python3 pciutils clang libclang-rt-14-dev
      debhelper dh-dkms dpkg-dev fakeroot groff-base man-db udev
      debootstrap python3-yaml lintian)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	note "installing: ${missing[*]}"
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The trixie kernel (7.3) comes through a private apt configuration under
# the rig cache (rig-env.sh: rig_trixie_apt), never through /etc/apt; its
# headers are installed in the trixie chroot that builds its modules.
rig_trixie_apt_update
for short in "${RIG_KERNEL_NAMES[@]}"; do
	abi=$(rig_kernel_abi "$short")
	if [ "$(rig_kernel_release "$short")" = trixie ]; then
		"$(dirname "$0")/trixie-chroot.sh" setup "$abi"
	elif [ ! -e "$(rig_kdir "$abi")/Makefile" ]; then
		note "installing kernel headers $abi"
		# shellcheck disable=SC2046
		apt-get install -y -qq --no-install-recommends $(rig_apt_suite_opts "$short") \
			"linux-headers-$abi"
	fi
done

# checkpatch.pl and kernel-doc are not packaged on their own: take them
# from linux-source.
cpdir=$PCIASSIGN_CACHE/checkpatch
if [ ! -f "$cpdir/checkpatch.pl" ] || [ ! -f "$cpdir/kernel-doc" ]; then
	note "extracting checkpatch.pl and kernel-doc from linux-source-6.1"
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download linux-source-6.1 2>&1 | grep -v unsandboxed || true)
	dpkg -x "$tmp"/linux-source-6.1_*.deb "$tmp/x"
	tar -xJf "$tmp"/x/usr/src/linux-source-6.1.tar.xz -C "$tmp" --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch' \
		'*/scripts/kernel-doc'
	mkdir -p "$cpdir"
	cp "$tmp"/linux-source-6.1/scripts/{checkpatch.pl,spelling.txt,const_structs.checkpatch,kernel-doc} \
		"$cpdir/"
	rm -rf "$tmp"
fi

"$(dirname "$0")/fetch-kernels.sh"
# bookworm-backports' QEMU, unpacked in the cache for the sriov rig profile.
"$(dirname "$0")/fetch-qemu.sh"
