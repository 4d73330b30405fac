#!/usr/bin/env bash
# test-clean-filter.sh: the nested guest's "clean" check (guest/clean.sh)
# over sample kernel logs, on the build host: the known fpu xstate WARN is
# forgiven, and nothing else is, not even next to it.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest/clean.sh
. "$here/guest/clean.sh"
base=$here/samples/fpu-xstate-warn.log
failed=0

expect() {	# expect NAME clean|bad LOG_TEXT
	local name=$1 want=$2 got=clean out
	out=$(printf '%s\n' "$3" | lg_dmesg_bad)
	[ -n "$out" ] && got=bad
	if [ "$got" = "$want" ]; then
		echo "PASS: nested-clean-filter/$name"
	else
		echo "FAIL: nested-clean-filter/$name: want $want, got $got: $(echo "$out" | head -n 3 | tr '\n' '|')"
		failed=1
	fi
}

sample=$(cat "$base")
expect fpu-xstate-warn-forgiven clean "$sample"
# Another WARN (same shape, another function) is not forgiven.
expect other-warn bad "$(echo "$sample" | sed 's/fpu__init_system_xstate/nvme_setup_io_queues/g; s,fpu/xstate.c,../drivers/nvme/host/pci.c,')"
# A WARN from xstate.c that is not fpu__init_system_xstate's.
expect xstate-other-function bad "$(echo "$sample" | sed 's/fpu__init_system_xstate/xfd_validate_state/g')"
# The block forgiven, a second trouble after it still counts.
expect warn-then-oops bad "$sample
[    5.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008"
expect unterminated-block bad "$(echo "$sample" | grep -v 'end trace')"
# No _OSC in the VMM's DSDT: the platform keeps PCIe features (7.x says
# AE_ERROR); that line alone is not trouble.
expect osc-retained-forgiven clean "$sample
[    2.3] acpi PNP0A08:00: _OSC: platform retains control of PCIe features (AE_ERROR)"
for line in \
	'[    0.9] pci 0000:00:01.0: BAR 0 [mem size 0x00004000 64bit]: no space for' \
	'[    0.9] pci 0000:00:01.0: BAR 0: failed to assign [mem size 0x00004000 64bit]' \
	"[    0.9] pci 0000:00:02.0: can't claim BAR 0 [mem 0xfeb80000-0xfeb9ffff]: no compatible bridge window" \
	'[    0.7] PCI: not using ECAM ([mem 0xb0000000-0xbfffffff] not reserved)' \
	'[   32.1] nvme nvme0: I/O tag 12 (100c) QID 1 timeout, aborting' \
	'[   32.1] nvme nvme0: Abort status: 0x0' \
	'[    2.0] e1000e 0000:00:02.0: Failed to initialize MSI-X interrupts.  Falling back to MSI interrupts.' \
	'[   10.0] e1000e 0000:00:02.0 eth0: Detected Hardware Unit Hang:' \
	'[   10.0] e1000e 0000:00:02.0 eth0: Reset adapter unexpectedly' \
	'[    3.0] DMAR: DRHD: handling fault status reg 2' \
	'[    3.0] irq 24: nobody cared (try booting with the "irqpoll" option)' \
	'[    4.0] I/O error, dev nvme0n1, sector 8192 op 0x0:(READ) flags 0x4800 phys_seg 1 prio class 2' \
	'[    1.9] nvme 0000:00:01.0: probe with driver nvme failed with error -12' \
	'[    5.0] general protection fault, probably for non-canonical address 0xdead000000000100'; do
	expect "line:${line#*] }" bad "$sample
$line"
done
exit $failed
