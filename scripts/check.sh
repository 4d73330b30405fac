#!/usr/bin/env bash
# check.sh: every test pciassign has, ending with one "N passed, N failed,
# N skipped, N retried" line, every FAIL, SKIP and RETRY named above it.
#   RIG_KERNELS="7.3"       kernels to build for and boot (default: all: 6.1 6.12 7.3)
#   RIG_PROFILES="default"  rig machine profiles (default: default nointremap
#                           noiommu faults linux, and sriov on 6.1 and 6.12)
#   PCIASSIGN_CASES=REGEX   run only the guest cases whose name matches (in
#                           every profile booted: one it matches nothing in
#                           fails, so name the profiles too)
set -uo pipefail
. "$(dirname "$0")/rig-env.sh"

if [ "$(id -u)" = 0 ]; then
	"$PCIASSIGN_TOP/scripts/install-deps.sh" || die "installing dependencies failed"
fi

kernels=${RIG_KERNELS:-${RIG_KERNEL_NAMES[*]}}
out=$PCIASSIGN_BUILD/check
mkdir -p "$out"
results=$out/results.txt
: >"$results"

# step NAME CMD...: run CMD, keep its PASS/FAIL/SKIP/RETRY lines; a
# failing command that printed no FAIL is itself one failure named NAME.
step() {
	local name=$1 log=$out/${1//\//_}.log
	shift
	note "$name"
	"$@" >"$log" 2>&1
	step_report "$name" "$log" $?
}

# step_report NAME LOG STATUS: the result lines of a finished step.
step_report() {
	local name=$1 log=$2 rc=$3
	grep -E '^(PASS|FAIL|SKIP|RETRY): ' "$log" | tee -a "$results"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL: ' "$log"; then
		echo "FAIL: $name (exit $rc; log: $log)" | tee -a "$results"
		tail -n 30 "$log" | sed 's/^/    /'
	elif [ $rc -ne 0 ]; then
		grep -vE '^(PASS|FAIL|SKIP|RETRY): ' "$log" | tail -n 40 | sed 's/^/    /'
	fi
}

# step_twice NAME CMD...: step, but a failing first attempt is run once
# more and only the second one counts. For the linux profile only: nested
# KVM inside TCG loses a nested boot now and then (about 1 in 20: a lost
# timer or kick, a triple fault before the guest kernel prints), with
# nothing of pciassign on any stack. A failure that comes back counts.
# The rerun is a RETRY line (counted at the end), the first attempt's
# failures stay listed under it as INFO lines, its retries stay counted,
# and its log is kept.
step_twice() {
	local name=$1 log=$out/${1//\//_}.log rc first
	shift
	note "$name"
	"$@" >"$log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		first=${log%.log}.first.log
		mv "$log" "$first"
		echo "RETRY: $name (the first attempt failed, ran it once more; its log: $first)" | tee -a "$results"
		grep -E '^FAIL: ' "$first" | sed 's/^FAIL: /INFO:   was FAIL: /' | tee -a "$results"
		grep -q '^FAIL: ' "$first" || echo "INFO:   was FAIL: $name (exit $rc)" | tee -a "$results"
		grep -E '^RETRY: ' "$first" | tee -a "$results"
		"$@" >"$log" 2>&1
		rc=$?
	fi
	step_report "$name" "$log" $rc
}

# build-step NAME CMD...: one PASS or FAIL for a build that must be
# warning-free.
build_step() {
	local name=$1 log=$out/${1//\//_}.log
	shift
	note "$name"
	if "$@" >"$log" 2>&1 && ! grep -qiE '(warning|error):' "$log"; then
		echo "PASS: $name" | tee -a "$results"
	else
		echo "FAIL: $name (log: $log)" | tee -a "$results"
		grep -iE -A3 '(warning|error):' "$log" | head -n 40 | sed 's/^/    /'
	fi
}

# exit-step NAME CMD...: one PASS or FAIL from the exit status alone.
exit_step() {
	local name=$1 log=$out/${1//\//_}.log
	shift
	note "$name"
	if "$@" >"$log" 2>&1; then
		echo "PASS: $name" | tee -a "$results"
	else
		echo "FAIL: $name (log: $log)" | tee -a "$results"
		tail -n 30 "$log" | sed 's/^/    /'
	fi
}

build_step build/userspace make -s -C "$PCIASSIGN_TOP/user"
step unit make -s -C "$PCIASSIGN_TOP/tests/unit" run
# The config engine and the vfio-user codec under libFuzzer (ASan+UBSan),
# a fixed seed and budget each.
exit_step fuzz/vconfig-smoke make -s -C "$PCIASSIGN_TOP/tests/fuzz" fuzz-smoke-vconfig
exit_step fuzz/vfio-user-smoke make -s -C "$PCIASSIGN_TOP/tests/fuzz" fuzz-smoke-vfio-user

build_step kmod/checkpatch "$PCIASSIGN_TOP/scripts/checkpatch.sh"
# kernel-doc over the module: well-formed, and on every cross-file function.
build_step kmod/kernel-doc "$PCIASSIGN_TOP/scripts/kernel-doc.sh"
# The netlink YAML spec against its header and the generated name table.
step netlink-spec "$PCIASSIGN_TOP/scripts/check-netlink-spec.sh"
# The linux profile's "clean" check over sample kernel logs.
step nested-clean-filter "$PCIASSIGN_TOP/tests/vm/nested/test-clean-filter.sh"

for short in $kernels; do
	abi=$(rig_kernel_abi "$short")
	build_step "build/kmod-$short" "$PCIASSIGN_TOP/scripts/build-kmod.sh" "$abi"
	# sparse over every file (C=2); for a trixie kernel in its chroot.
	build_step "build/kmod-$short-sparse" env PCIASSIGN_SPARSE=1 \
		"$PCIASSIGN_TOP/scripts/build-kmod.sh" "$abi"
	# The fault-injection build walks every failure path of attach, map
	# and IRQ setup (tests/vm/guest/pa-fault-test.c).
	build_step "build/kmod-$short-faultinject" env PCIASSIGN_FAULT_INJECT=1 \
		"$PCIASSIGN_TOP/scripts/build-kmod.sh" "$abi"
	# sriov boots bookworm-backports' QEMU (its igb has SR-IOV VFs), about
	# 2 minutes a kernel; on the bookworm kernels by default.
	profiles="default nointremap noiommu faults linux"
	case $short in 6.1 | 6.12) profiles="$profiles sriov" ;; esac
	for profile in ${RIG_PROFILES:-$profiles}; do
		ko=$PCIASSIGN_BUILD/kmod-$abi/kmod/pciassign.ko
		[ "$profile" = faults ] && ko=$PCIASSIGN_BUILD/kmod-$abi-fi/kmod/pciassign.ko
		run=step
		[ "$profile" = linux ] && run=step_twice
		$run "vm/$short-$profile" "$PCIASSIGN_TOP/tests/vm/run-vm.sh" -k "$short" \
			-p "$profile" -m "$ko" \
			-c "${PCIASSIGN_CASES:-}"
	done
	# The packaging test's DKMS builds use the host's compiler; a trixie
	# kernel's DKMS build runs in its chroot.
	if [ "$(rig_kernel_release "$short")" = trixie ]; then
		step "pkg/dkms-$short" "$PCIASSIGN_TOP/scripts/test-dkms-chroot.sh" "$short"
	fi
done

# Packaging: install layout, man pages, udev rule, .deb life cycle with
# DKMS builds for both rig kernels (root-only parts SKIP otherwise).
rm -f "$PCIASSIGN_BUILD"/dkms/*.ko	# only this run's DKMS build counts
step packaging "$PCIASSIGN_TOP/scripts/test-packaging.sh"
# The module DKMS built there is the one a boot of the rig loads.
dkms_ko=$PCIASSIGN_BUILD/dkms/pciassign-$(rig_kernel_abi 6.1).ko
if [ -f "$dkms_ko" ]; then
	step vm/6.1-dkms "$PCIASSIGN_TOP/tests/vm/run-vm.sh" -k 6.1 -p dkms -m "$dkms_ko"
elif [ "$(id -u)" != 0 ]; then
	echo "SKIP: vm/6.1-dkms (not root: no DKMS build to boot)" | tee -a "$results"
else
	echo "SKIP: vm/6.1-dkms (the packaging step built no module with DKMS; log: $out/packaging.log)" |
		tee -a "$results"
fi

echo "INFO: not run here: make check-debug, the rig on a debug kernel (Documentation/testing.md)" >>"$results"
# Every line that is not a pass is named again above the counts.
rig_summary "$results"
