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
ENV

note "benchmarking on $abi (about 10-20 minutes under TCG)"
log=$PCIASSIGN_BUILD/vm/$short-bench/console.log
rm -f "$log"	# never report an earlier run's numbers
# Other rigs on the machine make the numbers noisier: say so in the report.
others=$(pgrep -c -f '^qemu-system' || true)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
set +e
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
