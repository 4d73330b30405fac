#!/usr/bin/env bash
# run-bench.sh: pciassign vs VFIO benchmarks (`make bench`).
# Boots the rig's "bench" profile (2 GiB guest) on one kernel, collects the
# guest's "PA-BENCH {json}" lines and writes results/bench-<date>/:
# raw.jsonl, report.md, summary.json and PNG plots; prints the table.
# Environment:
#   BENCH_KERNEL=6.12   rig kernel (6.1 or 6.12)
#   BENCH_REPS=5        repetitions of every measurement
#   BENCH_MAX_MIB=512   largest DMA mapping
#   BENCH_IRQS=1000     interrupt round trips per sample
#   BENCH_CASES=REGEX   only some bench cases (e.g. 'setup|irq')
#   BENCH_OUT=DIR       output directory (default results/bench-<date>)
#   BENCH_MODULE=KO     a prebuilt pciassign.ko instead of building the tree's
#   BENCH_LINUX_REPS=5  repetitions of the nested Linux guest phase (70-linux-guest)
#   BENCH_LINUX_VMM_ARGS=  more pciassign-vmm options in that phase (e.g. --hugepages)
#   BENCH_LINUX=0       leave that phase out (no QEMU bundle is built)
# Benchmarks never gate anything: the exit status is 0 whenever a report
# could be written, even if a target is missed or a case failed.
set -euo pipefail
. "$(dirname "$0")/../../scripts/rig-env.sh"

short=${BENCH_KERNEL:-6.12}
abi=$(rig_kernel_abi "$short")
out=${BENCH_OUT:-$PCIASSIGN_TOP/results/bench-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"

# The report's plots need matplotlib, from Debian: so Debian's python3.
py=/usr/bin/python3
[ -x "$py" ] || py=python3
if ! "$py" -c 'import matplotlib' 2>/dev/null; then
	note "installing python3-matplotlib"
	apt=(apt-get -o DPkg::Lock::Timeout=600 install -y python3-matplotlib)
	if ! "${apt[@]}" >/dev/null 2>&1; then
		{ apt-get -o DPkg::Lock::Timeout=600 update >/dev/null && "${apt[@]}" >/dev/null; } ||
			note "no matplotlib: the report will have no plots"
	fi
fi

# Extra files for the guest's /tests/bin (build-initramfs.sh copies the
# whole guest-bin directory): the floor module and the settings.
guestbin=$PCIASSIGN_BUILD/guest-bin
mkdir -p "$guestbin"
rm -f "$guestbin"/pa-floor-*.ko
if ! "$PCIASSIGN_TOP/tests/bench/floor/build.sh" "$abi" "$guestbin/pa-floor-$abi.ko"; then
	note "floor module did not build; the floor is skipped"
fi
cat >"$guestbin/bench.env" <<ENV
export PA_BENCH_REPS=${BENCH_REPS:-5}
export PA_BENCH_MAX_MIB=${BENCH_MAX_MIB:-512}
export PA_BENCH_IRQS=${BENCH_IRQS:-1000}
export PA_BENCH_LINUX_REPS=${BENCH_LINUX_REPS:-5}
export PA_BENCH_LINUX_VMM_ARGS="${BENCH_LINUX_VMM_ARGS:-}"
ENV

# The nested Linux guest phase (70-linux-guest) boots the same kernel and
# initramfs in pciassign-vmm and in Debian's QEMU with vfio-pci: QEMU, its
# libraries and firmware and the phase's tools ride along as a second
# initramfs archive (run-vm.sh appends RIG_EXTRA_INITRD); the nested
# kernel and initramfs are in the bench profile's initramfs already.
# Skipped when BENCH_CASES leaves the phase out.
extra=""
if [ "${BENCH_LINUX:-1}" != 0 ] && echo 70-linux-guest | grep -Eq "${BENCH_CASES:-.}"; then
	extra=$PCIASSIGN_BUILD/bench-linux-$abi.cpio.gz
	if ! "$PCIASSIGN_TOP/tests/bench/bundle-qemu.sh" --no-nested "$extra" "$abi"; then
		note "the QEMU bundle did not build; the nested Linux phase is skipped"
		extra=""
	fi
fi

note "benchmarking on $abi (about 10-20 minutes under TCG, 10 more with the nested Linux phase)"
log=$PCIASSIGN_BUILD/vm/$short-bench/console.log
rm -f "$log"	# never report an earlier run's numbers
# Other rigs on the machine make the numbers noisier: say so in the report.
others=$(pgrep -c -f '^qemu-system' || true)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
set +e
# A case may run longer than the rig's default 300 s (the nested Linux
# phase boots 2 x BENCH_LINUX_REPS guests).
RIG_EXTRA_INITRD=$extra \
PCIASSIGN_APPEND="${PCIASSIGN_APPEND:-} pciassign.case_timeout=${BENCH_CASE_TIMEOUT:-1800}" \
	"$PCIASSIGN_TOP/tests/vm/run-vm.sh" -k "$short" -p bench -c "${BENCH_CASES:-}" \
	-t "${BENCH_TIMEOUT:-3600}" ${BENCH_MODULE:+-m "$BENCH_MODULE"} | tee "$out/rig.txt"
set -e
rm -f "$guestbin/bench.env"
printf '{"other_qemu_at_start":%s,"loadavg_start":"%s","loadavg_end":"%s","host_cpus":%s}\n' \
	"${others:-0}" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" >"$out/host.json"
[ -f "$log" ] || die "the rig did not boot (see above)"
cp "$log" "$out/console.log"
tr -d '\r' <"$log" | sed -n 's/.*PA-BENCH \({.*}\).*/\1/p' >"$out/raw.jsonl"
tr -d '\r' <"$log" | grep -a 'PA-BENCH-ERROR' >"$out/errors.txt" || true
[ -s "$out/raw.jsonl" ] || die "no PA-BENCH results in $log"

"$py" "$PCIASSIGN_TOP/tests/bench/report.py" "$out"
cat "$out/report.md"
note "results in $out"
