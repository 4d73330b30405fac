#!/usr/bin/env bash
# run-vm.sh [-k 6.1|6.12] [-p PROFILE] [-c CASE_REGEX] [-t TIMEOUT_S] [-m MODULE_KO] [-d]
# Boots the rig guest under QEMU (TCG, q35, intel-iommu with interrupt
# remapping) with edu, e1000e and nvme, runs the guest test cases and
# prints "PASS: <kernel>/<test>" or "FAIL: <kernel>/<test>: why" per test
# (tests/vm/parse-log.sh), and "RETRY: <kernel>/boot (why)" before them
# for a boot it retried (see retry_reason).
# Profiles change the machine for the cases that need another one:
#   default     the full rig; cases in tests/vm/guest/cases/
#   nointremap  the IOMMU without interrupt remapping; profiles/nointremap/
#   noiommu     no IOMMU at all; profiles/noiommu/
#   faults      the full rig, cases in profiles/faults/ (pass -m with the
#               fault-injection build of the module)
#   bench       the full rig with 2 GiB; profiles/bench/ (tests/bench/)
#   linux       the full rig with 1.5 GiB, the e1000e on QEMU user-mode
#               networking (restrict=on); profiles/linux/: pciassign-vmm
#               boots a Linux guest (tests/vm/nested/) on nvme and e1000e
#   dkms        the full rig, profiles/dkms/ (pass -m with the DKMS-built module)
#   sriov       the full rig plus an igb (82576, SR-IOV) behind its own root
#               port, on bookworm-backports' QEMU (scripts/fetch-qemu.sh;
#               Debian 12's has no igb); profiles/sriov/: its VFs assigned
# RIG_EXTRA_INITRD=FILE appends FILE (a gzip'd newc cpio) to the guest's
# initramfs: the kernel unpacks concatenated archives in order.
# Exit status: 0 if every test passed.
set -euo pipefail
. "$(dirname "$0")/../../scripts/rig-env.sh"

short=6.1 cases="" timeout_s=${PCIASSIGN_VM_TIMEOUT:-} ko="" demo="" profile=default
while getopts "k:p:c:t:m:d" o; do
	case $o in
	k) short=$OPTARG ;;
	p) profile=$OPTARG ;;
	c) cases=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	m) ko=$OPTARG ;;
	d) demo=1 ;;	# run the narrated demo instead of the test cases
	*) die "usage: $0 [-k kernel] [-c case-regex] [-t timeout] [-m module.ko]" ;;
	esac
done

abi=$(rig_kernel_abi "$short")
kroot=$PCIASSIGN_CACHE/kernels/$abi
[ -f "$kroot/.ready" ] || "$PCIASSIGN_TOP/scripts/fetch-kernels.sh"
if [ -z "$ko" ]; then
	ko=$("$PCIASSIGN_TOP/scripts/build-kmod.sh" "$abi")
fi
# Quiet unless it fails: static libnl makes the linker chatty.
mkdir -p "$PCIASSIGN_BUILD"
if ! make -s -C "$PCIASSIGN_TOP/tests/vm" guest-bin >"$PCIASSIGN_BUILD/guest-bin.log" 2>&1; then
	grep -v 'statically linked applications\|in function\|^/usr/bin/ld' "$PCIASSIGN_BUILD/guest-bin.log" >&2
	die "building the guest programs failed (log: $PCIASSIGN_BUILD/guest-bin.log)"
fi

run=$PCIASSIGN_BUILD/vm/$short-$profile
[ "$profile" = default ] && run=$PCIASSIGN_BUILD/vm/$short
# The previous run's files stay one run longer (make check runs a failing
# linux profile again and keeps the first run's console that way).
rm -rf "$run.prev"
[ -d "$run" ] && mv "$run" "$run.prev"
mkdir -p "$run"
"$PCIASSIGN_TOP/tests/vm/build-initramfs.sh" "$abi" "$ko" "$run/initramfs.gz" "$profile"
if [ -n "${RIG_EXTRA_INITRD:-}" ]; then
	[ -s "$RIG_EXTRA_INITRD" ] || die "RIG_EXTRA_INITRD: no file '$RIG_EXTRA_INITRD'"
	cat "$RIG_EXTRA_INITRD" >>"$run/initramfs.gz"
fi

# Per run: QEMU locks the image, and rigs may run side by side.
disk=$run/nvme-disk.img

iommu=(-device intel-iommu,intremap=on) mem=1G
# The machine's QEMU, but for the profiles that need devices it lacks;
# extra: their devices.
qemu=(qemu-system-x86_64) extra=()
# The e1000e's backend: none (no peer, the cases only need the device),
# or for the nested Linux guests QEMU's user-mode network. restrict=on is
# not optional: nothing may leave this machine; the guest only ever gets
# DHCP and the gateway 10.0.2.2, both inside QEMU.
nic=(-device e1000e,bus=rp1,id=nic0)
usernet=(-netdev user,id=n0,restrict=on -device e1000e,bus=rp1,id=nic0,netdev=n0)
# PCIASSIGN_APPEND: more guest command line (pciassign.fuzzseed=, ...).
append="console=ttyS0 intel_iommu=on panic=1 pciassign.cases=$cases pciassign.profile=$profile ${PCIASSIGN_APPEND:-}"
case $profile in
default) ;;
faults) ;;	# the default machine; run with the fault-injection module
dkms) ;;	# the default machine; run with the module DKMS built
nointremap) iommu=(-device intel-iommu,intremap=off) ;;
noiommu) iommu=() append=${append/intel_iommu=on/intel_iommu=off} ;;
bench) mem=2G nic=("${usernet[@]}") ;;	# DMA mapping benchmarks up to 512 MiB
linux)
	# Five nested boots of under a minute each, two minutes at worst.
	mem=1536M nic=("${usernet[@]}")
	append="console=ttyS0 intel_iommu=on panic=1 pciassign.cases=$cases pciassign.profile=$profile pciassign.case_timeout=420 ${PCIASSIGN_APPEND:-}"
	timeout_s=${timeout_s:-900}
	;;
sriov)
	qdir=$(rig_sriov_qemu_dir)
	[ -f "$qdir/.ready" ] || "$PCIASSIGN_TOP/scripts/fetch-qemu.sh"
	qemu=("$qdir/usr/bin/qemu-system-x86_64" -L "$qdir/usr/share/qemu")
	# QEMU's igb wants a PCIe port of its own; its VFs come and go
	# behind it (the guest's sriov_numvfs). Its PF transmits to QEMU's
	# user-mode network (restrict=on: nothing leaves this machine).
	extra=(-device pcie-root-port,id=rp4,chassis=4,slot=4
	       -netdev user,id=n4,restrict=on -device igb,bus=rp4,id=igb0,netdev=n4)
	;;
*) die "unknown profile '$profile'" ;;
esac
timeout_s=${timeout_s:-600}
# A fresh image for every boot (a retried boot must not find what the
# first one wrote). The nested Linux guests read a pattern the host wrote
# and write another that the host checks after the run
# (tests/vm/nested/guest/patterns.sh).
. "$PCIASSIGN_TOP/tests/vm/nested/guest/patterns.sh"
new_disk() {
	rm -f "$disk"
	case $profile in
	linux | bench)
		truncate -s "${LG_DISK_MIB}M" "$disk"
		lg_host_pattern | dd of="$disk" bs=1M seek="$LG_HOST_OFF" conv=notrunc status=none
		;;
	*) truncate -s 16M "$disk" ;;
	esac
}
log=$run/console.log
label=$short
[ "$profile" = default ] || label=$short-$profile
if [ -n "$demo" ]; then
	append="$append pciassign.demo quiet"
	# Narrate live: the guest's DEMO lines as they arrive.
	tail -n +1 -F "$log" 2>/dev/null | sed -un 's/^DEMO //p' &
	tailpid=$!
	trap 'kill $tailpid 2>/dev/null' EXIT
fi
boot() {
	new_disk
	: >"$log"
	: >"$run/results.log"
	# Guest tests may ask for host-side actions (hot-unplug) through QMP.
	"$PCIASSIGN_TOP/tests/vm/qmp-watch.py" "$log" "$run/qmp.sock" 2>"$run/qmp.log" &
	qmppid=$!
	note "booting $abi (log: $log)"
	start=$(date +%s)
	set +e
	timeout --kill-after=10 "$timeout_s" "${qemu[@]}" \
		-M q35,kernel-irqchip=split -accel tcg -cpu max -smp 2 -m $mem \
		-nodefaults -vga none -display none -no-reboot \
		"${iommu[@]}" \
		-device edu \
		-device pcie-root-port,id=rp1,chassis=1,slot=1 \
		"${nic[@]}" \
		-device pcie-root-port,id=rp2,chassis=2,slot=2 \
		-drive if=none,id=nvme0,file="$disk",format=raw \
		-device nvme,bus=rp2,drive=nvme0,serial=pciassign0,id=nvme0dev \
		-device pcie-root-port,id=rp3,chassis=3,slot=3 \
		-device edu,bus=rp3,addr=0.0,multifunction=on \
		-device e1000,bus=rp3,addr=0.1 \
		"${extra[@]}" \
		-serial "file:$log" -serial "file:$run/results.log" \
		-qmp "unix:$run/qmp.sock,server=on,wait=off" \
		-kernel "$kroot/vmlinuz" -initrd "$run/initramfs.gz" \
		-append "$append" </dev/null >"$run/qemu.out" 2>&1 &
	local qpid=$! waited=0 cpu_then="" now
	rm -f "$run/idle-wedged"
	# A guest not in userspace after PA_BOOT_TIMEOUT s is wedged in its
	# boot: stop it now (the retry below boots again) rather than at the
	# run's timeout.
	while kill -0 "$qpid" 2>/dev/null; do
		# A running rig never idles for a minute (its cases wait at most
		# seconds, nested guests keep TCG busy); one that does has lost
		# every CPU's timer (see tcg_timer_lost) without a word.
		if [ $((waited % 60)) = 0 ] && [ $waited -gt 0 ] && grep -aq '^PA-BOOT' "$log"; then
			now=$(qemu_cpu_ticks "$qpid")
			if [ -n "$cpu_then" ] && [ -n "$now" ] && [ $((now - cpu_then)) -lt 200 ]; then
				echo "QEMU used $((now - cpu_then)) ticks of CPU in 60 s" >"$run/idle-wedged"
				kill "$qpid"
				break
			fi
			cpu_then=$now
		fi
		if [ $waited -ge "${PA_BOOT_TIMEOUT:-180}" ] && ! grep -aq '^PA-BOOT' "$log"; then
			kill "$qpid"
			break
		fi
		# A lost-timer wedge never recovers: stop it now, not at the timeout.
		if [ $((waited % 10)) = 0 ] && tcg_timer_lost; then
			kill "$qpid"
			break
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait "$qpid"
	qrc=$?
	kill "$qmppid" 2>/dev/null
	set -e
}

# Multi-threaded TCG now and then wedges the guest around live code
# patching: an int3 oops while the kernel boots, or, later, every vCPU
# stuck at one instruction (seen: finish_task_switch's static-branch site,
# patched when KVM first registers preempt notifiers) with the soft-lockup
# watchdog firing. Such a boot is retried once (retry_reason) if no case
# has reported yet: a crash before userspace, or a lockup whose reports
# hold no pciassign frame. A lockup with pciassign code on a stack is
# never retried.
tcg_wedged() {
	grep -aq 'watchdog: BUG: soft lockup' "$log" &&
		! sed -n '/watchdog: BUG: soft lockup/,$p' "$log" | grep -aq '\[pciassign\]'
}

# CPU time (clock ticks) QEMU, the child of timeout(1) $1, has used.
qemu_cpu_ticks() {
	local q
	q=$(pgrep -P "$1" qemu-system | head -n1)
	[ -n "$q" ] && awk '{ print $14 + $15 }' "/proc/$q/stat" 2>/dev/null
}

# The other wedge seen with nested KVM guests: a vCPU idle in HLT with
# interrupts enabled whose timer interrupt never comes (RCU: "timer wakeup
# didn't happen", the stalled CPU's backtrace in the idle loop), for good.
# A halted CPU that is never woken is the emulator's; one whose stall
# report shows pciassign code is not that, and is never retried.
tcg_timer_lost() {
	local stall
	stall=$(grep -av '^lg| ' "$log" | sed -n '/rcu_preempt detected stalls/,$p')
	echo "$stall" | grep -aq "kthread timer wakeup didn't happen" &&
		echo "$stall" | grep -aqE 'default_idle|safe_halt' &&
		! echo "$stall" | grep -aq '\[pciassign\]'
}

# retry_reason: sets $why, why the boot that just ended may be booted
# once more (empty: it may not), and $judge, how much of its console
# parse-log.sh still judges: all of it, the part before the wedge's
# report, or none for a boot that never reached userspace (nothing of
# pciassign has run there). A boot that reported any result (a case
# finished) is judged as it is, never booted over.
retry_reason() {
	why="" judge=all
	grep -aq '^PA-RESULT ' "$run/results.log" "$log" && return 0
	if ! grep -aq '^PA-BOOT' "$log"; then
		judge=none
		why="the guest kernel died or hung before userspace ($(grep -aE -m1 'Oops|panic|BUG' "$log" | tr -d '\r'))"
	elif tcg_wedged; then
		judge=before-report
		why="the guest wedged with no pciassign code on any lockup stack ($(grep -a -m1 'soft lockup' "$log" | tr -d '\r'))"
	elif [ "$qrc" = 0 ] && ! grep -aq '^PA-DONE' "$log" "$run/results.log" &&
		! grep -aqE 'Kernel panic|Oops|BUG:|double fault|general protection|Call Trace:' "$log"; then
		# With -no-reboot, QEMU ends with 0 when the machine resets. A
		# kernel that panics (panic=1) or oopses says so first; a reset
		# with no word at all was a triple fault of the emulated CPU
		# (seen once while a nested guest ran).
		why="the guest machine reset itself with no kernel message after: $(tail -n 1 "$log" | tr -d '\r' | cut -c1-100)"
	elif [ -f "$run/idle-wedged" ]; then
		why="the guest went idle for good after PA-BOOT ($(cat "$run/idle-wedged"), last line: $(tail -n 1 "$log" | tr -d '\r' | cut -c1-100))"
	elif tcg_timer_lost; then
		judge=before-report
		why="a guest CPU halted and its timer never fired again ($(grep -a -m1 "timer wakeup didn't happen" "$log" | tr -d '\r'))"
	fi
	return 0
}

boot
first=()
retry_reason
if [ -n "$why" ]; then
	# The first boot's files stay, and so does its kernel log's verdict
	# up to the wedge (parse-log.sh judges it as kernel-log-clean-boot1).
	mkdir -p "$run/boot1"
	mv "$log" "$run/results.log" "$run/qemu.out" "$run/boot1/"
	case $judge in
	all) first=("$run/boot1/console.log") ;;
	before-report)
		sed -E '/soft lockup|rcu_preempt (self-)?detected stall/,$d' "$run/boot1/console.log" \
			>"$run/boot1/console-before-wedge.log"
		first=("$run/boot1/console-before-wedge.log")
		;;
	esac
	echo "RETRY: ${label}/boot ($why; the first boot's logs: $run/boot1/)"
	boot
fi
note "guest finished in $(($(date +%s) - start)) s (qemu status $qrc)"

if [ -n "$demo" ]; then
	sleep 0.5
	grep -aq '^DEMO-OK' "$log" && exit 0
	echo "demo FAILED (qemu status $qrc); console log: $log" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
if [ "$profile" = linux ]; then
	# What the nested guest wrote through the assigned nvme reached the
	# disk: a host-side verdict among the guest's.
	if dd if="$disk" bs=1M skip="$LG_GUEST_OFF" count=1 status=none | cmp -s - <(lg_guest_pattern); then
		printf '\nPA-RESULT linux-guest-nvme-verified PASS\n' >>"$run/results.log"
	else
		printf '\nPA-RESULT linux-guest-nvme-verified FAIL the image has no guest pattern at %s MiB\n' \
			"$LG_GUEST_OFF" >>"$run/results.log"
	fi
fi
exec "$PCIASSIGN_TOP/tests/vm/parse-log.sh" "$label" "$log" "$qrc" "$run/results.log" "${first[@]}"
