# Shared settings for the QEMU test rig; sourced by the rig's scripts.
# shellcheck shell=bash

PCIASSIGN_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Kernel images, their module trees and disk images live outside the tree
# so that a fresh checkout (CI) reuses what an earlier run downloaded.
PCIASSIGN_CACHE=${PCIASSIGN_CACHE:-/var/cache/pciassign-rig}
PCIASSIGN_BUILD=${PCIASSIGN_BUILD:-$PCIASSIGN_TOP/build}
# Rig kernels by short name; "all" in RIG_KERNELS means every one of them.
RIG_KERNEL_NAMES=(6.1 6.12)

die() { echo "error: $*" >&2; exit 1; }
note() { echo ">>> $*" >&2; }

# apt options selecting the suite a rig kernel comes from.
rig_apt_suite_opts() {
	case "$1" in
	6.1) echo "" ;;
	6.12) echo "-t bookworm-backports" ;;
	*) die "unknown rig kernel '$1' (known: ${RIG_KERNEL_NAMES[*]})" ;;
	esac
}

# Resolve a short name (6.1, 6.12) to the Debian ABI string, e.g.
# 6.1.0-56-amd64, through the linux-headers-amd64 metapackage.
rig_kernel_abi() {
	local short=$1 abi
	if [ -f "$PCIASSIGN_CACHE/abi-$short" ]; then
		cat "$PCIASSIGN_CACHE/abi-$short"
		return
	fi
	# Newest ABI of that series among every version apt knows, whichever
	# suite it is in and whatever is installed.
	abi=$(apt-cache show linux-headers-amd64 2>/dev/null |
		sed -n 's/^Depends: linux-headers-\([^ ,]*-amd64\).*/\1/p' |
		grep "^$short\." | sort -V | tail -n1)
	case "$abi" in
	"$short".*) echo "$abi" ;;
	*) die "cannot resolve the $short kernel from apt (got '$abi'); run scripts/install-deps.sh" ;;
	esac
}

rig_kdir() { echo "/lib/modules/$1/build"; }

# initramfs_busybox ROOT: static busybox and a link per applet in ROOT/bin.
initramfs_busybox() {
	local root=$1 applet
	cp /bin/busybox "$root/bin/busybox"
	for applet in $(/bin/busybox --list); do
		[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
	done
}

# initramfs_modules ROOT ABI MODULE...: the rig kernel ABI's modules with
# their dependencies, decompressed, under ROOT/lib/modules/ABI, with the
# kernel's builtin/order lists (depmod is the caller's, after extras).
initramfs_modules() {
	local root=$1 abi=$2 kroot moddir path rel dst m
	shift 2
	kroot=$PCIASSIGN_CACHE/kernels/$abi
	moddir=$kroot/lib/modules/$abi
	for m in "$@"; do
		modprobe -d "$kroot" -S "$abi" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
	done | sort -u | while read -r path; do
		rel=${path#"$moddir"/}
		dst=$root/lib/modules/$abi/${rel%.xz}
		mkdir -p "$(dirname "$dst")"
		case "$path" in
		*.xz) xz -dc "$path" >"$dst" ;;
		*) cp "$path" "$dst" ;;
		esac
	done
	cp "$moddir"/modules.builtin* "$moddir"/modules.order "$root/lib/modules/$abi/"
}
