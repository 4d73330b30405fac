#!/usr/bin/env bash
# parse-log.sh KERNEL CONSOLE_LOG QEMU_STATUS [RESULTS_LOG [FIRST_BOOT_CONSOLE]]
# Turns the guest's logs into PASS/FAIL/SKIP/RETRY lines. Besides the
# cases' own results it fails every result the guest announced
# (PA-EXPECT) and never reported, the run if the guest did not finish
# (hang, panic), and the kernel log if it has an oops, BUG, WARN or
# similar. FIRST_BOOT_CONSOLE: what run-vm.sh kept of a boot it retried,
# judged as kernel-log-clean-boot1.
set -uo pipefail
short=$1 log=$2 qrc=$3
failed=0
# Verdicts come from the results port when the guest used it (kernel
# messages cannot interleave there), else from the console.
src=$log
[ -s "${4:-}" ] && src=$4
lines() { tr -d '\r' <"$src" | grep -aE "^$1 "; }

while read -r _ name verdict why; do
	case $verdict in
	PASS) echo "PASS: $short/$name" ;;
	SKIP) echo "SKIP: $short/$name (${why:-no reason given})" ;;
	*) echo "FAIL: $short/$name: $why"; failed=1 ;;
	esac
done < <(lines PA-RESULT)
# A retry inside the guest (a nested guest started again) is counted too.
while read -r _ name why; do
	echo "RETRY: $short/$name ($why)"
done < <(lines PA-RETRY)

# Announced but never reported: the program or case that owed it crashed,
# exited early or hung, or the guest died. Names announced before any
# PA-CASE are run-cases' list of cases.
while read -r name owner; do
	echo "FAIL: $short/$name: announced by ${owner:-run-cases} but never reported"
	failed=1
done < <(tr -d '\r' <"$src" | awk '
	$1 == "PA-CASE" { cur = $2 }
	$1 == "PA-EXPECT" { for (i = 2; i <= NF; i++) if (!($i in owner)) { owner[$i] = cur; order[n++] = $i } }
	$1 == "PA-RESULT" { got[$2] = 1 }
	END { for (i = 0; i < n; i++) if (!(order[i] in got)) print order[i], owner[order[i]] }')
if ! lines PA-EXPECT >/dev/null && ! lines 'PA-RESULT cases' >/dev/null; then
	echo "FAIL: $short/cases: the guest announced no cases (run-cases did not run)"
	failed=1
fi

if tr -d '\r' <"$src" | grep -aq '^PA-DONE'; then
	echo "PASS: $short/guest-completed"
else
	why="no PA-DONE in the console log"
	[ "$qrc" = 124 ] || [ "$qrc" = 137 ] && why="timed out (guest hung)"
	last=$(lines PA-CASE | tail -n1 | cut -d' ' -f2)
	echo "FAIL: $short/guest-completed: $why; last case started: ${last:-none}"
	failed=1
fi

# kernel_log NAME LOG: kernel trouble; these markers come from the
# oops/BUG/WARN/lockup paths. Lines starting "lg| " are a nested Linux
# guest's console, which the linux profile's cases print only when a
# check already failed; that kernel's log is judged inside it
# (linux-guest-clean).
kernel_log() {
	local name=$1 klog=$2 bad
	local pattern='(Oops|BUG:|WARNING:|general protection fault|Kernel panic|Call Trace:|UBSAN:|KASAN:|watchdog: BUG|INFO: task .* blocked|list_(add|del) corruption|refcount_t:)'
	if bad=$(grep -av '^lg| ' "$klog" | grep -aE "$pattern"); then
		echo "FAIL: $short/$name: $(echo "$bad" | head -n 3 | tr -d '\r' | tr '\n' '|')"
		grep -av '^lg| ' "$klog" | grep -aE -B2 -A25 "$pattern" | head -n 60 | sed 's/^/    /' >&2
		failed=1
	else
		echo "PASS: $short/$name"
	fi
}
kernel_log kernel-log-clean "$log"
[ -n "${5:-}" ] && kernel_log kernel-log-clean-boot1 "$5"
exit $failed
