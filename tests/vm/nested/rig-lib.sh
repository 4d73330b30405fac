# Helpers of the rig's linux-profile cases (tests/vm/guest/profiles/linux/),
# busybox sh; installed as /tests/linux/lib.sh next to the nested guest's
# kernel and initramfs. Source /tests/lib.sh first.
VMM=/tests/bin/pciassign-vmm
LG_KERNEL=/tests/linux/vmlinuz
LG_INITRD=/tests/linux/initramfs.gz
# A nested boot (KVM inside TCG) takes about two minutes at worst.
LG_RUN_TIMEOUT=${LG_RUN_TIMEOUT:-200}	# the VMM's --timeout, a full check run
LG_IO_WAIT=${LG_IO_WAIT:-150}		# seconds until lg.mode=io-loop runs
# earlyprintk: a guest that dies early still says how far it got.
# noxsave: under TCG the nested guest's XSAVE state is not its own (its
# CPUID 0xD sizes disagree with XCR0): 6.x kernels WARN and turn XSAVE
# off, 7.x kernels oops doing the same (fpstate_reset, NULL).
LG_CMDLINE="console=ttyS0 earlyprintk=serial panic=-1 noxsave"

# Pages pinned system-wide (FOLL_PIN acquisitions minus releases).
pinned() {
	awk '$1 == "nr_foll_pin_acquired" { a = $2 } $1 == "nr_foll_pin_released" { r = $2 }
	     END { print a - r }' /proc/vmstat
}
uptime_s() { cut -d. -f1 /proc/uptime; }
# IOMMU faults the rig's kernel has logged: DMA remapping and interrupt
# remapping faults.
dmar_faults() { dmesg | grep -cE 'DMAR: \[(DMA|INTR)|DRHD: handling fault|INTR-REMAP'; }

# lg_setup: kvm_amd, the kernel and initramfs, nvme and e1000e bound to
# pciassign; sets $nvme and $nic. On failure one linux-guest-setup FAIL.
lg_setup() {
	local f out
	for f in $VMM $LG_KERNEL $LG_INITRD; do
		[ -e $f ] || { fail linux-guest-setup "$f missing from the initramfs"; return 1; }
	done
	modprobe pciassign 2>/dev/null
	if ! out=$(modprobe kvm_amd 2>&1) || [ ! -c /dev/kvm ]; then
		fail linux-guest-setup "no nested KVM: $out"
		return 1
	fi
	nvme=$(find_pci $NVME_ID) || { fail linux-guest-setup "no nvme in the rig"; return 1; }
	nic=$(find_pci $E1000E_ID) || { fail linux-guest-setup "no e1000e in the rig"; return 1; }
	for f in $nvme $nic; do
		[ "$(pci_driver $f)" = pciassign ] && continue
		pa_bind $f || { fail linux-guest-setup "cannot bind $f to pciassign"; return 1; }
	done
	return 0
}

# lg_start MODE OUT TIMEOUT: the VMM booting the nested guest in the
# background ($lg_pid); the guest's console in OUT.con, the VMM's own
# messages in OUT.err.
lg_start() {
	lg_args="$*"
	lg_out=$2
	lg_retried=""
	lg_spawn "$@"
}
lg_spawn() {
	lg_reaped=""
	$VMM --kernel $LG_KERNEL --initrd $LG_INITRD --cmdline "$LG_CMDLINE lg.mode=$1" \
		--cpus 2 --memory 256 --timeout "$3" --stats \
		--device "host=$nvme,id=nvme0" --device "host=$nic,id=nic0" >"$2.con" 2>"$2.err" &
	lg_pid=$!
	# pciassign.lg_console on the rig's command line (PCIASSIGN_APPEND):
	# the nested console live on the rig's, to see how far a guest got
	# when the rig itself hangs. Unbounded; for debugging only.
	if grep -q 'pciassign.lg_console' /proc/cmdline; then
		tail -n +1 -f "$2.con" "$2.err" 2>/dev/null | awk '{ sub(/\r$/, ""); print "lg| " $0; fflush() }' &
		lg_tail=$!
	fi
}

# lg_reap: the ended VMM's status in $lg_rc (once).
lg_reap() {
	[ -n "$lg_reaped" ] && return 0
	wait $lg_pid
	lg_rc=$?
	lg_reaped=1
}

# lg_early_death: true, once per lg_start, when the VMM has ended
# because its guest crashed or reset (101, 104) before the guest kernel
# got to run init; the guest is then started again. Seen a few times in
# about 60 nested boots under TCG (a triple fault or a panic while the
# kernel boots), never twice in a row. The retry is said on the console
# with the VMM's words, the dead guest's console is kept, and a guest
# that dies that way again fails.
lg_early_death() {
	lg_reap
	[ -z "$lg_retried" ] || return 1
	[ "$lg_rc" = 101 ] || [ "$lg_rc" = 104 ] || return 1
	tr -d '\r' <"$lg_out.con" | grep -q 'Run /init as init process' && return 1
	lg_retried=1
	report "PA-RETRY nested-guest the nested guest died before init (VMM status $lg_rc: $(grep 'vmm: vCPU' "$lg_out.err" | head -n 2 | tr '\n' ' ')); started it once more"
	cp "$lg_out.con" "$lg_out.early-death.con"
	cp "$lg_out.err" "$lg_out.early-death.err"
	lg_untail
	lg_spawn $lg_args
	return 0
}

# lg_wait_line OUT REGEX SECONDS: 0 once the nested console has a line
# matching REGEX, 1 if the VMM ended or the time ran out first.
lg_wait_line() {
	local i=0
	while [ $i -lt $(($3 * 10)) ]; do
		tr -d '\r' <"$1.con" | grep -qE "$2" && return 0
		if ! kill -0 $lg_pid 2>/dev/null; then
			lg_early_death && { i=0; continue; }
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	tr -d '\r' <"$1.con" | grep -qE "$2"
}

# lg_wait_exit SECONDS: the VMM's exit status ($lg_rc), or 1 when it is
# still running after SECONDS (it is then killed, $lg_rc is its status).
lg_wait_exit() {
	local i=0
	while :; do
		while kill -0 $lg_pid 2>/dev/null && [ $i -lt $(($1 * 10)) ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if kill -0 $lg_pid 2>/dev/null; then
			kill -9 $lg_pid
			lg_reap
			lg_untail
			return 1
		fi
		lg_early_death || break
		i=0
	done
	lg_untail
	return 0
}
lg_untail() {
	[ -n "${lg_tail:-}" ] && { sleep 1; kill $lg_tail 2>/dev/null; pkill -P $$ -x tail 2>/dev/null; }
	lg_tail=""
	return 0
}

# lg_transcript OUT [LINES]: the nested console and the VMM's messages on
# the rig console, each line prefixed "lg| " (parse-log.sh leaves those
# to the nested guest's own "clean" check). Only printed when a check
# failed, and bounded.
lg_transcript() {
	echo "lg| ---- nested console ($1.con), last ${2:-250} lines ----"
	tr -d '\r' <"$1.con" | tail -n "${2:-250}" | sed 's/^/lg| /'
	echo "lg| ---- pciassign-vmm ($1.err) ----"
	tail -n 30 "$1.err" | sed 's/^/lg| /'
}

# lg_settle PINS0: wait up to 5 s for the pins to return to PINS0 and the
# pciassign IRQs to go (the context goes with its last fd).
lg_settle() {
	local i=0
	while { [ "$(pinned)" != "$1" ] || grep -q pciassign /proc/interrupts; } && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
