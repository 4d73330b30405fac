#!/usr/bin/env bash
# check-debug.sh (make check-debug): the rig on the debug kernel, not part
# of make check (a first build of the kernel alone takes longer than check's
# budget). Builds the kernel once (scripts/debug-kernel.sh: Debian's 6.12
# with lockdep, KASAN, kmemleak, debugobjects, UBSAN, DEBUG_LIST, atomic
# sleep checks; cached), pciassign.ko and its fault-injection build against
# it with -Werror, boots the default profile's cases and the faults
# profile, each ending with a kmemleak scan (tests/vm/debug/99-kmemleak),
# and fails on any lockdep, RCU, KASAN, UBSAN, atomic-sleep or ODEBUG
# report in the guest's kernel log, on a leak allocated by pciassign, and
# when the log does not show lockdep, KASAN and kmemleak running. Ends with
# "N passed, N failed, N skipped, N retried" like make check.
#   DEBUG_CASES=REGEX  the default profile's cases (default: DEFAULT_CASES)
#   DEBUG_PROFILES="default faults"
#   DEBUG_TIMEOUT=S    each boot's timeout (default 5400: KASAN under TCG)
set -uo pipefail
. "$(dirname "$0")/rig-env.sh"

[ "$(id -u)" = 0 ] || die "check-debug.sh must run as root (it builds and caches a kernel)"
DEFAULT_CASES='^(00-module-load|10-bind|25-attach|40-regions|47-tenant-reset|50-dma|60-irq|80-events|83-hostile|84-hostile-vmm|88-concurrency|90-rmmod|99-kmemleak)$'
short=6.12-debug
out=$PCIASSIGN_BUILD/check-debug
mkdir -p "$out"
results=$out/results.txt
: >"$results"
res() { echo "$*" | tee -a "$results"; }
summary() {
	rig_summary "$results"
	exit
}

t0=$(date +%s)
note "debug kernel (built once and cached; log: $out/debug-kernel.log)"
if abi=$(nice -n 10 "$PCIASSIGN_TOP/scripts/debug-kernel.sh" 2>"$out/debug-kernel.log"); then
	res "PASS: debug/kernel ($abi, $(($(date +%s) - t0)) s)"
else
	res "FAIL: debug/kernel (log: $out/debug-kernel.log)"
	tail -n 20 "$out/debug-kernel.log" | sed 's/^/    /'
	summary
fi
kos=()
for fi in "" 1; do
	name=debug/kmod${fi:+-fi}
	if ko=$(PCIASSIGN_FAULT_INJECT=$fi "$PCIASSIGN_TOP/scripts/build-kmod.sh" "$abi" 2>"$out/kmod$fi.log") &&
	   ! grep -qiE '(warning|error):' "$out/kmod$fi.log"; then
		res "PASS: $name"
	else
		res "FAIL: $name (log: $out/kmod$fi.log)"
		head -n 40 "$out/kmod$fi.log" | sed 's/^/    /'
	fi
	kos+=("${ko:-}")
done

# The kmemleak case, in the default cases and in the faults profile.
extra=$out/initrd-kmemleak.gz
stage=$(mktemp -d)
mkdir -p "$stage/tests/cases" "$stage/tests/profiles/faults"
chmod -R 0755 "$stage"
cp "$PCIASSIGN_TOP/tests/vm/debug/99-kmemleak" "$stage/tests/cases/"
cp "$PCIASSIGN_TOP/tests/vm/debug/99-kmemleak" "$stage/tests/profiles/faults/"
(cd "$stage" && find . | cpio -o -H newc --quiet) | gzip -1 >"$extra"
rm -rf "$stage"

# check_log LABEL LOG...: the kernel log's verdicts beyond parse-log.sh's.
check_log() {
	local label=$1 what pattern hit
	shift
	for what in "lockdep:Lock dependency validator" "kasan:KernelAddressSanitizer initialized" \
		"kmemleak:kmemleak: Kernel memory leak detector initialized"; do
		if grep -aqF "${what#*:}" "$@"; then
			res "PASS: $label/${what%%:*}-active"
		else
			res "FAIL: $label/${what%%:*}-active (no '${what#*:}' in the log)"
		fi
	done
	while IFS='|' read -r what pattern; do
		hit=$(grep -ahE "$pattern" "$@" | grep -avE 'ODEBUG: (selftest passed|[0-9]+ of [0-9]+ active objects replaced)' |
			head -n 1 | tr -d '\r' || true)
		if [ -z "$hit" ]; then
			res "PASS: $label/no-$what"
		else
			res "FAIL: $label/no-$what ($hit)"
			grep -ahE -A30 "$pattern" "$@" | head -n 50 | sed 's/^/    /'
		fi
	done <<'PATTERNS'
lockdep|WARNING: possible circular locking|possible recursive locking|inconsistent lock state|irq lock inversion|lock order detected|BUG: Invalid wait context|bad unlock balance|held lock freed|lock held when returning to user space|Nested lock was not taken|BUG: MAX_LOCKDEP|suspicious RCU usage|lockdep is turned off
kasan|BUG: KASAN:|KASAN: 
ubsan|UBSAN:
atomic-sleep|BUG: sleeping function called from invalid context|BUG: scheduling while atomic
odebug|ODEBUG: 
list-debug|list_(add|del) (corruption|double add)
kmemleak|^kmemleak\| .*(\[pciassign\]|\] 0xffffffffc[0-9a-f]+)
PATTERNS
}

for profile in ${DEBUG_PROFILES:-default faults}; do
	ko=${kos[0]}
	[ "$profile" = faults ] && ko=${kos[1]}
	label=$short-$profile
	run=$PCIASSIGN_BUILD/vm/$label
	cases=""
	if [ "$profile" = default ]; then
		label=$short run=$PCIASSIGN_BUILD/vm/$short cases=${DEBUG_CASES:-$DEFAULT_CASES}
	fi
	if [ -z "$ko" ]; then
		res "FAIL: vm/$label (no module to boot)"
		continue
	fi
	note "vm/$label (log: $out/vm-$label.log)"
	t1=$(date +%s)
	RIG_EXTRA_INITRD=$extra PA_BOOT_TIMEOUT=900 \
		PCIASSIGN_APPEND="pciassign.case_timeout=2400 ${PCIASSIGN_APPEND:-}" \
		flock /tmp/pciassign-rig.lock "$PCIASSIGN_TOP/tests/vm/run-vm.sh" -k "$short" -p "$profile" \
		-m "$ko" -c "$cases" -t "${DEBUG_TIMEOUT:-5400}" >"$out/vm-$label.log" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL|SKIP|RETRY): ' "$out/vm-$label.log" | tee -a "$results"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL: ' "$out/vm-$label.log"; then
		res "FAIL: vm/$label (exit $rc; log: $out/vm-$label.log)"
		tail -n 20 "$out/vm-$label.log" | sed 's/^/    /'
	fi
	res "INFO: vm/$label took $(($(date +%s) - t1)) s"
	if [ ! -s "$run/console.log" ]; then
		res "FAIL: debug/$label/kernel-log (no console log: the guest never booted)"
		continue
	fi
	logs=("$run/console.log")
	[ -f "$run/boot1/console.log" ] && logs+=("$run/boot1/console.log")
	check_log "debug/$label" "${logs[@]}"
done
summary
