#!/usr/bin/env bash
# parse-log.sh KERNEL CONSOLE_LOG QEMU_STATUS [RESULTS_LOG]
# Turns the guest's console log into PASS/FAIL lines. Besides the cases'
# own results it fails the run if the guest did not finish (hang, panic)
# or if the kernel logged an oops, BUG, WARN or similar.
set -uo pipefail
short=$1 log=$2 qrc=$3
failed=0
# Verdicts come from the results port when the guest used it (kernel
# messages cannot interleave there), else from the console.
src=$log
[ -s "${4:-}" ] && src=$4

while read -r _ name verdict why; do
	case $verdict in
	PASS) echo "PASS: $short/$name" ;;
	SKIP) echo "SKIP: $short/$name: $why" ;;
	*) echo "FAIL: $short/$name: $why"; failed=1 ;;
	esac
done < <(tr -d '\r' <"$src" | grep -a '^PA-RESULT ')

if tr -d '\r' <"$src" | grep -aq '^PA-DONE'; then
	echo "PASS: $short/guest-completed"
else
	why="no PA-DONE in the console log"
	[ "$qrc" = 124 ] || [ "$qrc" = 137 ] && why="timed out (guest hung)"
	last=$(tr -d '\r' <"$src" | grep -a '^PA-CASE ' | tail -n1 | cut -d' ' -f2)
	echo "FAIL: $short/guest-completed: $why; last case started: ${last:-none}"
	failed=1
fi

# Kernel trouble: these markers come from the oops/BUG/WARN/lockup paths.
# Lines starting "lg| " are a nested Linux guest's console, which the
# linux profile's cases print only when a check already failed; that
# kernel's log is judged inside it (linux-guest-clean).
pattern='(Oops|BUG:|WARNING:|general protection fault|Kernel panic|Call Trace:|UBSAN:|KASAN:|watchdog: BUG|INFO: task .* blocked|list_(add|del) corruption|refcount_t:)'
if bad=$(grep -av '^lg| ' "$log" | grep -aE "$pattern"); then
	echo "FAIL: $short/kernel-log-clean: $(echo "$bad" | head -n 3 | tr -d '\r' | tr '\n' '|')"
	grep -av '^lg| ' "$log" | grep -aE -B2 -A25 "$pattern" | head -n 60 | sed 's/^/    /' >&2
	failed=1
else
	echo "PASS: $short/kernel-log-clean"
fi
exit $failed
