#!/usr/bin/env bash
# trixie-chroot.sh: the Debian 13 (trixie) chroot that builds pciassign.ko
# for the rig's trixie kernels, whose headers want trixie's gcc-14 and
# kbuild (Debian 12 has neither). Root only.
#   trixie-chroot.sh setup ABI [PKG...]
#       create the chroot if it is missing (debootstrap --variant=minbase
#       into $PCIASSIGN_CACHE/trixie-root, kept and reused between runs)
#       and install linux-headers-ABI, make, a sparse that can check that
#       kernel (see sparse_setup) and PKGs in it
#   trixie-chroot.sh run DIR CMD...
#       run CMD as root in the chroot with the host directory DIR visible
#       at the same path (a bind mount in a private mount namespace of its
#       own: nothing is left mounted when CMD ends, whatever happens)
# The chroot's apt sources are its own (/etc/apt inside it); the machine's
# are never touched.
set -euo pipefail
. "$(dirname "$0")/rig-env.sh"

[ "$(id -u)" = 0 ] || die "trixie-chroot.sh needs root (debootstrap, chroot)"
root=$RIG_TRIXIE_ROOT

# in_chroot DIR CMD...: see "run" above. /proc and /dev are mounted in the
# namespace too (apt, dpkg and gcc's driver want them).
in_chroot() {
	local dir=$1
	shift
	[ -x "$root/bin/sh" ] || die "no trixie chroot at $root; run $0 setup ABI"
	unshare --mount --propagation private -- bash -euc '
		root=$1 dir=$2
		shift 2
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		if [ -n "$dir" ]; then
			mkdir -p "$root$dir"
			mount --bind "$dir" "$root$dir"
		fi
		cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
		exec chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
	' in-chroot "$root" "$dir" "$@"
}

# The chroot itself, made once: debootstrap into a temporary directory
# that is renamed when complete, so an interrupted run never leaves a
# half-made chroot behind that a later run would take for a good one.
make_chroot() {
	local tmp=$root.new
	rm -rf "$tmp"
	note "debootstrap trixie (minbase) into $root"
	debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		trixie "$tmp" "$RIG_DEBIAN_MIRROR" >"$PCIASSIGN_CACHE/debootstrap.log" 2>&1 ||
		die "debootstrap failed (log: $PCIASSIGN_CACHE/debootstrap.log)"
	rm -f "$tmp"/etc/apt/sources.list
	cat >"$tmp/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $RIG_DEBIAN_MIRROR
Suites: trixie trixie-updates trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	# No docs or man pages: the chroot only ever builds modules.
	cat >"$tmp/etc/dpkg/dpkg.cfg.d/pciassign-nodoc" <<'CFG'
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/locale/*
CFG
	touch "$tmp/.pciassign-chroot"
	mv "$tmp" "$root"
}

# The chroot's package lists, refreshed at most every 12 hours.
chroot_apt_update() {
	local stamp=$root/var/lib/apt/pciassign-update-stamp
	if [ -f "$stamp" ] && [ -z "$(find "$stamp" -mmin +720)" ]; then
		return 0
	fi
	note "apt-get update in the trixie chroot"
	in_chroot "" apt-get update -qq
	touch "$stamp"
}

# Whether the chroot's sparse parses __typeof_unqual__, which 7.x headers
# use whenever sparse reads them (compiler_types.h: USE_TYPEOF_UNQUAL
# under __CHECKER__): the test the kernel's own scripts/checker-valid.sh
# makes, on our own sample.
sparse_ok() {
	in_chroot "" sh -c 'printf "%s\n" "static int pa_f(const int *p)" "{" \
		"	__typeof_unqual__(*p) v = *p;" "" "	v++;" "	return v;" "}" \
		>/tmp/pa-sparse-test.c && sparse /tmp/pa-sparse-test.c 2>&1' |
		grep -q . && return 1
	return 0
}

# sparse_setup: trixie's sparse (0.6.4, 2021) cannot parse
# __typeof_unqual__, so with it the 7.x kernel's Makefile turns C=2 off
# ("sparse is not available or not up to date"). The sparse binary of
# Debian unstable (0.6.5~rc1, needs only libc) can; it is taken from its
# package (apt-get download through a private apt directory, dpkg -x) into
# the chroot's /usr/local/bin, nothing else of unstable.
sparse_setup() {
	local sid=$PCIASSIGN_CACHE/apt-sid tmp
	sparse_ok && return 0
	note "trixie's sparse cannot check 7.x headers; taking sparse from unstable"
	rig_private_apt_update "$sid" sid
	tmp=$(mktemp -d)
	(cd "$tmp" && rig_private_apt "$sid" apt-get download -qq sparse 2>&1 |
		grep -v unsandboxed || true)
	ls "$tmp"/sparse_*.deb >/dev/null 2>&1 || die "could not download sparse from unstable"
	dpkg -x "$tmp"/sparse_*.deb "$tmp/x"
	install -m 0755 "$tmp/x/usr/bin/sparse" "$root/usr/local/bin/sparse"
	rm -rf "$tmp"
	sparse_ok || die "sparse from unstable cannot check __typeof_unqual__ either"
}

# Debian's 7.x linux-headers lack scripts/checker-valid.sh, which the
# kernel's Makefile runs to decide whether C=1/C=2 may use sparse: without
# it sparse is silently never run. Ours prints 1 when the checker exists
# and parses __typeof_unqual__ (what the kernel's checks), else 0.
checker_valid_setup() {
	local mk dir
	for mk in "$root"/usr/src/linux-headers-*/Makefile; do
		grep -q 'scripts/checker-valid.sh' "$mk" || continue
		dir=$(dirname "$mk")/scripts
		[ -e "$dir/checker-valid.sh" ] && continue
		cat >"$dir/checker-valid.sh" <<'SH'
#!/bin/sh
# Added by pciassign's scripts/trixie-chroot.sh: Debian's headers package
# lacks this file. Prints 1 if the checker "$@" can check this kernel.
command -v "$1" >/dev/null 2>&1 || { echo 0; exit 0; }
t=$(mktemp --suffix=.c) || { echo 0; exit 0; }
printf 'int c(const int *p)\n{\n\t__typeof_unqual__(*p) v = *p;\n\treturn v;\n}\n' >"$t"
if "$@" "$t" 2>&1 | grep -q error; then echo 0; else echo 1; fi
rm -f "$t"
SH
		chmod 0755 "$dir/checker-valid.sh"
	done
}

setup() {
	local abi=$1 p missing=()
	shift
	[ -f "$root/.pciassign-chroot" ] || make_chroot
	for p in "linux-headers-$abi" make sparse "$@"; do
		in_chroot "" dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		chroot_apt_update
		note "installing in the trixie chroot: ${missing[*]}"
		in_chroot "" apt-get install -y -qq --no-install-recommends -t trixie-backports \
			"${missing[@]}" >"$PCIASSIGN_CACHE/trixie-apt.log" 2>&1 ||
			die "apt-get install in the trixie chroot failed (log: $PCIASSIGN_CACHE/trixie-apt.log)"
		in_chroot "" apt-get clean
	fi
	sparse_setup
	checker_valid_setup
}

case "${1:-}" in
setup)
	[ $# -ge 2 ] || die "usage: $0 setup ABI [PKG...]"
	shift
	mkdir -p "$PCIASSIGN_CACHE"
	# One setup at a time (two rig builds may start together).
	exec 9>"$PCIASSIGN_CACHE/trixie-root.lock"
	flock 9
	setup "$@"
	;;
run)
	[ $# -ge 3 ] || die "usage: $0 run DIR CMD..."
	shift
	in_chroot "$@"
	;;
*) die "usage: $0 setup ABI [PKG...] | run DIR CMD..." ;;
esac
