# Shared settings for the QEMU test rig; sourced by the rig's scripts.
# shellcheck shell=bash

PCIASSIGN_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Kernel images, their module trees and disk images live outside the tree
# so that a fresh checkout (CI) reuses what an earlier run downloaded.
PCIASSIGN_CACHE=${PCIASSIGN_CACHE:-/var/cache/pciassign-rig}
PCIASSIGN_BUILD=${PCIASSIGN_BUILD:-$PCIASSIGN_TOP/build}
# Rig kernels by short name; "all" in RIG_KERNELS means every one of them.
# 6.1 is bookworm's, 6.12 bookworm-backports', 7.3 trixie-backports'.
RIG_KERNEL_NAMES=(6.1 6.12 7.3)

# The QEMU of the sriov rig profile (its igb has SR-IOV VFs; Debian 12's
# QEMU 7.2 has no igb): bookworm-backports' build, unpacked into the cache
# by scripts/fetch-qemu.sh, never installed. Only that profile uses it.
RIG_SRIOV_QEMU_VERSION=1:10.0.2+ds-2+deb13u1~bpo12+1
rig_sriov_qemu_dir() { echo "$PCIASSIGN_CACHE/qemu-${RIG_SRIOV_QEMU_VERSION#*:}"; }

die() { echo "error: $*" >&2; exit 1; }

# rig_summary RESULTS: every FAIL, SKIP, RETRY and INFO line of a results
# file again, then the counts; false when anything failed.
rig_summary() {
	local results=$1 passed failed skipped retried
	passed=$(grep -c '^PASS: ' "$results")
	failed=$(grep -c '^FAIL: ' "$results")
	skipped=$(grep -c '^SKIP: ' "$results")
	retried=$(grep -c '^RETRY: ' "$results")
	echo
	grep -E '^(FAIL|SKIP|RETRY|INFO): ' "$results" | sed 's/^/  /'
	echo "$passed passed, $failed failed, $skipped skipped, $retried retried"
	[ "$failed" -eq 0 ]
}
note() { echo ">>> $*" >&2; }

# The Debian release whose toolchain builds modules for a rig kernel:
# bookworm is this machine's own; a trixie kernel's headers want trixie's
# gcc-14 and kbuild, so its modules are built in a trixie chroot
# (scripts/trixie-chroot.sh) and its packages come through a private apt
# configuration (rig_trixie_apt), never through /etc/apt.
rig_kernel_release() {
	case "$1" in
	6.1 | 6.12) echo bookworm ;;
	7.3) echo trixie ;;
	*) die "unknown rig kernel '$1' (known: ${RIG_KERNEL_NAMES[*]})" ;;
	esac
}

# apt options selecting the suite a rig kernel comes from.
rig_apt_suite_opts() {
	case "$1" in
	6.1) echo "" ;;
	6.12) echo "-t bookworm-backports" ;;
	7.3) echo "-t trixie-backports" ;;
	*) die "unknown rig kernel '$1' (known: ${RIG_KERNEL_NAMES[*]})" ;;
	esac
}

# Where the trixie chroot and the private apt state for trixie live.
RIG_TRIXIE_ROOT=$PCIASSIGN_CACHE/trixie-root
RIG_TRIXIE_APT=$PCIASSIGN_CACHE/apt-trixie
RIG_DEBIAN_MIRROR=${RIG_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# rig_private_apt DIR apt-get|apt-cache ARGS...: run an apt tool with
# sources, lists, status and cache all under DIR (see
# rig_private_apt_update); the machine's own apt configuration (proxies
# and the like) still applies, its sources and its status never do.
rig_private_apt() {
	local d=$1 tool=$2
	shift 2
	"$tool" -o Dir::Etc::SourceList="$d/sources.list" \
		-o Dir::Etc::SourceParts="$d/sources.list.d" \
		-o Dir::Etc::Preferences="$d/preferences" \
		-o Dir::Etc::PreferencesParts="$d/preferences.d" \
		-o Dir::State="$d/state" -o Dir::State::Lists="$d/state/lists" \
		-o Dir::State::status="$d/state/status" \
		-o Dir::Cache="$d/cache" \
		-o APT::Architecture=amd64 "$@"
}

# rig_private_apt_update DIR SUITE...: write DIR's sources (Debian's main
# component of each SUITE) and refresh their lists, at most every 12
# hours. Root only.
rig_private_apt_update() {
	local d=$1 stamp=$1/update-stamp
	shift
	mkdir -p "$d/sources.list.d" "$d/preferences.d" "$d/state/lists/partial" \
		"$d/cache/archives/partial"
	: >"$d/sources.list"
	[ -f "$d/state/status" ] || : >"$d/state/status"
	cat >"$d/sources.list.d/debian.sources.new" <<SRC
Types: deb
URIs: $RIG_DEBIAN_MIRROR
Suites: $*
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	if cmp -s "$d/sources.list.d/debian.sources.new" "$d/sources.list.d/debian.sources" &&
	   [ -f "$stamp" ] && [ -z "$(find "$stamp" -mmin +720)" ]; then
		rm -f "$d/sources.list.d/debian.sources.new"
		return 0
	fi
	mv "$d/sources.list.d/debian.sources.new" "$d/sources.list.d/debian.sources"
	note "apt-get update ($* in the private apt directory $d)"
	rig_private_apt "$d" apt-get update -qq || die "apt-get update for $* failed"
	touch "$stamp"
}

# The trixie kernel's packages: trixie and trixie-backports, privately.
rig_trixie_apt() { rig_private_apt "$RIG_TRIXIE_APT" "$@"; }
rig_trixie_apt_update() { rig_private_apt_update "$RIG_TRIXIE_APT" trixie trixie-backports; }

# Resolve a short name (6.1, 6.12, 7.3) to the Debian ABI string, e.g.
# 6.1.0-56-amd64, through the linux-headers-amd64 metapackage: the
# machine's apt for bookworm kernels, the private trixie lists for trixie
# ones (run scripts/install-deps.sh first).
rig_kernel_abi() {
	local short=$1 abi known
	if [ -f "$PCIASSIGN_CACHE/abi-$short" ]; then
		cat "$PCIASSIGN_CACHE/abi-$short"
		return
	fi
	# Newest ABI of that series among every version apt knows, whichever
	# suite it is in and whatever is installed.
	if [ "$(rig_kernel_release "$short")" = trixie ]; then
		known=$(rig_trixie_apt apt-cache show linux-headers-amd64 2>/dev/null)
	else
		known=$(apt-cache show linux-headers-amd64 2>/dev/null)
	fi
	# (trixie's metapackage depends on linux-base-amd64 first.)
	known=$(echo "$known" | sed -n 's/^Depends: //p' | tr ',' '\n' |
		sed -n 's/^ *linux-headers-\([^ ]*-amd64\)\( .*\)\{0,1\}$/\1/p' | sort -uV)
	abi=$(echo "$known" | grep "^$short\." | tail -n1)
	case "$abi" in
	"$short".*) echo "$abi" ;;
	*) die "cannot resolve the $short kernel from apt (apt knows: $(echo $known)); run scripts/install-deps.sh${known:+, or rename the rig kernel in scripts/rig-env.sh if its series left the archive}" ;;
	esac
}

# The kernel build tree for ABI as this machine sees it; a trixie kernel's
# is inside the chroot (build there: scripts/trixie-chroot.sh).
rig_kdir() {
	# The debug kernel's built tree (scripts/debug-kernel.sh).
	if [ -e "$PCIASSIGN_CACHE/kernels/$1/build/Makefile" ]; then
		echo "$PCIASSIGN_CACHE/kernels/$1/build"
	elif [ -e "/lib/modules/$1/build/Makefile" ] ||
	   [ ! -e "$RIG_TRIXIE_ROOT/usr/src/linux-headers-$1/Makefile" ]; then
		echo "/lib/modules/$1/build"
	else
		echo "$RIG_TRIXIE_ROOT/usr/src/linux-headers-$1"
	fi
}

# rig_abi_release ABI: the release that builds modules for ABI (the
# series of a +debNN ABI; bookworm's 6.1 ABIs have no such suffix).
rig_abi_release() {
	case "$1" in
	*+deb13-*) echo trixie ;;
	*) echo bookworm ;;
	esac
}

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
