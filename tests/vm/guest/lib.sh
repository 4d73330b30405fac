# Helpers for guest test cases (busybox sh).

# A protocol line: to the console and to the results port ($PA_RESULTS,
# the second serial line), where kernel messages cannot cut into it.
report() {
	echo "$*"
	[ -n "$PA_RESULTS" ] && echo "$*" >>"$PA_RESULTS"
	return 0
}

# expect NAME...: results this case will report. parse-log.sh fails every
# expected name that never got a PA-RESULT line (a crash, an early exit).
expect() {
	report "PA-EXPECT $*"
}

result() {
	# result NAME PASS|FAIL|SKIP [why...]
	name=$1 verdict=$2
	shift 2
	report "PA-RESULT $name $verdict $*"
}
pass() { result "$1" PASS; }
fail() { n=$1; shift; result "$n" FAIL "$@"; }

# Why a command ended with status $1: "exited with status N" or "killed by
# signal N (NAME)".
exit_why() {
	if [ "$1" -gt 128 ] && [ "$1" -lt 160 ]; then
		echo "killed by signal $(($1 - 128)) ($(kill -l $(($1 - 128))))"
	else
		echo "exited with status $1"
	fi
}

# run_prog PROG ARGS...: run a test program (vmtest.h). Its results are
# checked against what it declared (PA-EXPECT); a non-zero exit or a
# signal, even after its last result, fails the case: run-cases reads
# $PA_CASE_ERRS. vmtest.h fails a program not started this way.
run_prog() {
	PA_PROG=$(basename "$1") "$@"
	rc_=$?
	if [ $rc_ -ne 0 ]; then
		why_="$(basename "$1") $(exit_why $rc_)"
		echo "PA-INFO $PA_CASE: $why_"
		[ -n "$PA_CASE_ERRS" ] && echo "$why_" >>"$PA_CASE_ERRS"
	fi
	return $rc_
}

# check NAME CMD...: PASS if the command succeeds, else FAIL with its output.
check() {
	n=$1
	shift
	if out=$("$@" 2>&1); then
		pass "$n"
	else
		fail "$n" "'$*' failed: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
}

# PCI address of the first function with vendor:device IDs $1:$2.
find_pci() {
	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat "$d/vendor")" = "0x$1" ] && [ "$(cat "$d/device")" = "0x$2" ]; then
			basename "$d"
			return 0
		fi
	done
	return 1
}

EDU_ID="1234 11e8"
E1000E_ID="8086 10d3"
NVME_ID="1b36 0010"
E1000_ID="8086 100e"

# The edu that shares a multifunction slot (and IOMMU group) with an e1000.
find_grouped_edu() {
	nic=$(find_pci $E1000_ID) || return 1
	echo "${nic%.*}.0"
}

# Name of the driver bound to a PCI function, or empty.
pci_driver() {
	[ -e "/sys/bus/pci/devices/$1/driver" ] || return 0
	basename "$(readlink "/sys/bus/pci/devices/$1/driver")"
}

# Hand a function to pciassign the way an administrator does.
pa_bind() {
	dev=$1
	if [ -e "/sys/bus/pci/devices/$dev/driver" ]; then
		echo "$dev" >"/sys/bus/pci/devices/$dev/driver/unbind" || return 1
	fi
	echo pciassign >"/sys/bus/pci/devices/$dev/driver_override" || return 1
	echo "$dev" >/sys/bus/pci/drivers_probe
	[ "$(pci_driver "$dev")" = pciassign ]
}

pa_unbind() {
	dev=$1
	echo "$dev" >/sys/bus/pci/drivers/pciassign/unbind || return 1
	echo >"/sys/bus/pci/devices/$dev/driver_override"
	[ -z "$(pci_driver "$dev")" ]
}
