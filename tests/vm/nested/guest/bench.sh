#!/bin/sh
# /lg/bench.sh: the nested Linux guest's side of the bench phase "linux"
# (tests/vm/guest/profiles/bench/70-linux-guest, Documentation/benchmarks.md).
# /init runs it when the command line has lg.mode=bench, with the nvme and
# e1000e drivers loaded. It prints one "LG-BENCH {json}" line per
# measurement, "LG-PHASE <name> start|end" around the phases whose vCPU
# exits the host counts, then "LG-BENCH-DONE", and powers off.
#
# Settings on the kernel command line (defaults in brackets):
#   lg.seq_mib=64     MiB moved by each sequential run (1 MiB blocks)
#   lg.seq_passes=5   sequential runs each way (one LG-BENCH line each)
#   lg.rand_ios=4000  4 KiB random reads (O_DIRECT, queue depth 1)
#   lg.seed=1         their xorshift seed: the same blocks for every stack
#   lg.net_s=3        seconds of ICMP echo to the gateway
#   lg.net_window=64  echo requests in flight
# The NIC sits on QEMU user-mode networking with restrict=on: the only
# peer is the gateway 10.0.2.2, and nothing else is ever addressed.
PATH=/lg:/bin:/sbin:/usr/bin:/usr/sbin
export PATH
IO=/lg/lg-io
mkdir -p /tmp

opt() {
	v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^lg\.$1=//p" | tail -n 1)
	echo "${v:-$2}"
}
say() { echo "$*"; }
err() { say "LG-BENCH-ERROR $*"; }
done_() {
	say "LG-BENCH-DONE"
	sync
	sleep 1	# let the UART drain
	poweroff -f
}

SEQ_MIB=$(opt seq_mib 64)
SEQ_PASSES=$(opt seq_passes 5)
RAND_IOS=$(opt rand_ios 4000)
SEED=$(opt seed 1)
NET_S=$(opt net_s 3)
NET_WIN=$(opt net_window 64)
[ -x $IO ] || { err "no $IO in the nested initramfs"; done_; }

# 1. nvme ready: the namespace's block device exists and answers a read.
dev=""
i=0
while [ $i -lt 600 ]; do
	for b in /sys/block/nvme*n1; do
		[ -e "$b" ] && dev=/dev/$(basename "$b")
	done
	if [ -n "$dev" ] && [ -b "$dev" ] &&
		dd if="$dev" of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null; then
		break
	fi
	dev=""
	sleep 0.1
	i=$((i + 1))
done
if [ -z "$dev" ]; then
	err "no nvme namespace within 60 s: $(dmesg | grep -i nvme | tail -n 3 | tr '\n' ' ')"
	done_
fi
up=$($IO now)
# The kernel's own timestamp of the namespace's first message, when it
# printed one (partition scan "nvme0n1:" or the queue count line).
klog=$(dmesg | sed -n 's/^\[ *\([0-9.]*\)\] *\(nvme[0-9]*n1:\|nvme nvme[0-9]*: [0-9]*\/\).*/\1/p' | tail -n 1)
say "LG-BENCH {\"metric\":\"ready\",\"dev\":\"$dev\",\"uptime_s\":$up,\"dmesg_s\":${klog:-null}}"

# 2. nvme throughput and IOPS, O_DIRECT. Writes go to the scratch disk
# the rig made for this run.
# Results wait in /tmp until the phase ends: every console byte is a vCPU
# exit, and the phase's exit count should be the disk's.
say "LG-PHASE nvme start"
i=0
while [ $i -lt "$SEQ_PASSES" ]; do
	$IO seq-write "$dev" "$SEQ_MIB" 1024 >>/tmp/nvme.out || echo "LG-BENCH-ERROR seq-write failed" >>/tmp/nvme.out
	$IO seq-read "$dev" "$SEQ_MIB" 1024 >>/tmp/nvme.out || echo "LG-BENCH-ERROR seq-read failed" >>/tmp/nvme.out
	i=$((i + 1))
done
$IO rand-read "$dev" "$RAND_IOS" "$SEED" 60 >>/tmp/nvme.out || echo "LG-BENCH-ERROR rand-read failed" >>/tmp/nvme.out
say "LG-PHASE nvme end"
cat /tmp/nvme.out

# 3. e1000e packet rates both ways: echo requests out, replies in.
ifc=""
for n in /sys/class/net/*; do
	[ "$(basename "$(readlink "$n/device/driver" 2>/dev/null)")" = e1000e ] && ifc=$(basename "$n")
done
if [ -z "$ifc" ]; then
	err "no e1000e interface"
	done_
fi
ip link set "$ifc" up
ip addr add 10.0.2.15/24 dev "$ifc" 2>/dev/null
i=0
while [ "$(cat /sys/class/net/"$ifc"/carrier 2>/dev/null)" != 1 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
# Resolve the gateway (and see it answer) before timing anything.
if ! ping -c 1 -W 3 10.0.2.2 >/dev/null 2>&1 && ! ping -c 1 -W 3 10.0.2.2 >/dev/null 2>&1; then
	err "the gateway 10.0.2.2 does not answer on $ifc (carrier $(cat /sys/class/net/"$ifc"/carrier 2>/dev/null))"
	done_
fi
say "LG-PHASE net start"
$IO icmp "$ifc" "$NET_S" "$NET_WIN" >/tmp/net.out || echo "LG-BENCH-ERROR icmp failed" >>/tmp/net.out
say "LG-PHASE net end"
cat /tmp/net.out

# Exits per access of each kind (KVM's counters over each loop, both
# stacks alike): mapped BAR, MSI-X table, config space, I/O BAR.
ACCESS_N=$(opt access_n 2000)
nvme_bdf=$(basename "$(readlink -f /sys/class/nvme/nvme0/device)")
nic_bdf=$(basename "$(readlink -f /sys/class/net/"$ifc"/device)")
# IO_STRICT_DEVMEM: no mmap of a BAR a driver holds; nvme's phase is over.
echo "$nvme_bdf" >/sys/bus/pci/drivers/nvme/unbind 2>/dev/null
for a in "bar-read $nvme_bdf" "msix-read $nvme_bdf" "config-read $nvme_bdf" "io-read $nic_bdf"; do
	set -- $a
	say "LG-PHASE access-$1 start"
	$IO access "$1" "$2" "$ACCESS_N" >/tmp/access.out 2>&1 ||
		echo "LG-BENCH-ERROR access $1 $2 failed: $(tail -n 1 /tmp/access.out)" >>/tmp/access.out
	say "LG-PHASE access-$1 end"
	grep -v '^LG-ACCESS' /tmp/access.out
done
done_
