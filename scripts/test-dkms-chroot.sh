#!/usr/bin/env bash
# test-dkms-chroot.sh SHORT: the DKMS life cycle of pciassign for a rig
# kernel whose modules are built in the trixie chroot (7.3), where
# scripts/test-packaging.sh (host dkms, bookworm's gcc) cannot build them.
# In the chroot (scripts/trixie-chroot.sh, with trixie's dkms added): the
# source tree "make install-dkms-src" lays out (the tree's dkms.conf),
# dkms add, build and install for the kernel, the installed module's
# version and vermagic checked, then dkms remove with nothing left. The
# built module is kept as $PCIASSIGN_BUILD/dkms/pciassign-ABI.ko (a rig
# run can boot it: tests/vm/run-vm.sh -k SHORT -p dkms -m that file).
# One "PASS: pkg/dkms/build-SHORT" or "FAIL: ..." line, and one for
# pkg/dkms/remove-SHORT. Root only; runs on a copy of the working tree.
set -uo pipefail
. "$(dirname "$0")/rig-env.sh"

[ $# -eq 1 ] || die "usage: $0 SHORT (a trixie rig kernel, e.g. 7.3)"
short=$1
[ "$(rig_kernel_release "$short")" = trixie ] || die "$short is built on the host: scripts/test-packaging.sh covers it"
[ "$(id -u)" = 0 ] || { echo "SKIP: pkg/dkms/build-$short: needs root (chroot)"; exit 0; }
abi=$(rig_kernel_abi "$short")
ver=$(cat "$PCIASSIGN_TOP/VERSION")
chroot_sh=$PCIASSIGN_TOP/scripts/trixie-chroot.sh
root=$RIG_TRIXIE_ROOT
work=$PCIASSIGN_BUILD/dkms-chroot-$short
failures=0
pass() { echo "PASS: pkg/$1"; }
fail() { echo "FAIL: pkg/$1: $2"; failures=$((failures + 1)); }

"$chroot_sh" setup "$abi" dkms || { fail "dkms/build-$short" "setting up the trixie chroot with dkms failed"; exit 1; }

# in_chroot CMD...: run CMD in the chroot, output to the log.
log=$work/dkms.log
rm -rf "$work" && mkdir -p "$work"
in_chroot() { "$chroot_sh" run "$work" "$@" >>"$log" 2>&1; }

# A test run must start from no pciassign in the chroot's dkms.
in_chroot sh -c 'dkms remove -m pciassign --all >/dev/null 2>&1; rm -rf /usr/src/pciassign-*; true'
if ! make -s -C "$PCIASSIGN_TOP" install-dkms-src DESTDIR="$root" >>"$log" 2>&1; then
	fail "dkms/build-$short" "make install-dkms-src failed (log: $log)"
	exit 1
fi

if ! in_chroot dkms add -m pciassign -v "$ver"; then
	fail "dkms/build-$short" "dkms add failed (log: $log)"
elif ! in_chroot dkms build -m pciassign -v "$ver" -k "$abi"; then
	fail "dkms/build-$short" "dkms build for $abi failed: $(grep -hiE 'error' "$log" \
		"$root/var/lib/dkms/pciassign/$ver/build/make.log" 2>/dev/null | head -n 3 | tr '\n' ' ')"
elif ! in_chroot dkms install -m pciassign -v "$ver" -k "$abi"; then
	fail "dkms/build-$short" "dkms install for $abi failed (log: $log)"
else
	inst=$(find "$root/lib/modules/$abi/updates/dkms" "$root/usr/lib/modules/$abi/updates/dkms" \
		-name 'pciassign.ko*' 2>/dev/null | head -n1)
	keep=$PCIASSIGN_BUILD/dkms/pciassign-$abi.ko
	mkdir -p "$PCIASSIGN_BUILD/dkms"
	rm -f "$keep"
	case $inst in
	"") ;;
	*.xz) xz -dc "$inst" >"$keep" ;;
	*.zst) zstd -qdc "$inst" >"$keep" ;;
	*.gz) gzip -dc "$inst" >"$keep" ;;
	*) cp "$inst" "$keep" ;;
	esac
	st=$("$chroot_sh" run "$work" dkms status -m pciassign -v "$ver" -k "$abi" 2>/dev/null)
	if [ ! -s "$keep" ]; then
		fail "dkms/build-$short" "no pciassign.ko under /lib/modules/$abi/updates/dkms in the chroot"
	elif [ "$(modinfo -F version "$keep")" != "$ver" ]; then
		fail "dkms/build-$short" "installed module has version '$(modinfo -F version "$keep")', VERSION is '$ver'"
	elif [[ $(modinfo -F vermagic "$keep") != "$abi "* ]]; then
		fail "dkms/build-$short" "installed module's vermagic is '$(modinfo -F vermagic "$keep")'"
	elif [[ $st != *"$abi"*": installed"* ]]; then
		fail "dkms/build-$short" "dkms status says '$st'"
	else
		pass "dkms/build-$short"
		echo "    $st"
		echo "    DKMS-built module for $abi: $keep"
	fi
fi

in_chroot dkms remove -m pciassign -v "$ver" --all
left=$(find "$root"/lib/modules/*/updates/dkms "$root"/usr/lib/modules/*/updates/dkms \
	-name 'pciassign.ko*' 2>/dev/null | tr '\n' ' ')
[ -e "$root/var/lib/dkms/pciassign/$ver" ] && left="$left /var/lib/dkms/pciassign/$ver"
if [ -n "${left// /}" ]; then
	fail "dkms/remove-$short" "after dkms remove, the chroot still has $left"
else
	pass "dkms/remove-$short"
fi
rm -rf "$root/usr/src/pciassign-$ver"
[ "$failures" -eq 0 ]
