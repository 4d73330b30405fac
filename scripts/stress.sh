#!/usr/bin/env bash
# stress.sh (make stress): longer runs of what make check bounds. The ioctl
# fuzzer with several seeds and many more operations on both kernels, the
# fault-injection walk, the hostile-guest loops, the concurrency test and
# the hostile-VMM kills for longer, and the config engine's and the
# vfio-user codec's fuzzers for minutes.
#   STRESS_SEEDS="1 2 3"  STRESS_FUZZ_OPS=20000  STRESS_FUZZ_TIME=600
#   STRESS_CONC_SECS=240  STRESS_KILL_ROUNDS=200  STRESS_HOSTILE_ROUNDS=10
set -uo pipefail
. "$(dirname "$0")/rig-env.sh"

out=$PCIASSIGN_BUILD/stress
mkdir -p "$out"
results=$out/results.txt
: >"$results"
for short in ${RIG_KERNELS:-${RIG_KERNEL_NAMES[*]}}; do
	abi=$(rig_kernel_abi "$short")
	ko=$("$PCIASSIGN_TOP/scripts/build-kmod.sh" "$abi") || { echo "FAIL: stress/build-$short" | tee -a "$results"; continue; }
	for seed in ${STRESS_SEEDS:-1 2 3}; do
		note "ioctl fuzzer on $short, seed $seed, ${STRESS_FUZZ_OPS:-20000} ops per thread"
		PCIASSIGN_APPEND="pciassign.fuzzseed=$seed pciassign.fuzzops=${STRESS_FUZZ_OPS:-20000}" \
			"$PCIASSIGN_TOP/tests/vm/run-vm.sh" -k "$short" -m "$ko" -c '87-ioctl-fuzz|90-rmmod' \
			-t 3000 2>"$out/fuzz-$short-$seed.log" | sed "s|$short/|$short-seed$seed/|" | tee -a "$results"
	done
	conc_secs=${STRESS_CONC_SECS:-240}
	note "concurrency test on $short for $conc_secs s, ${STRESS_KILL_ROUNDS:-200} kill rounds, ${STRESS_HOSTILE_ROUNDS:-10}x hostile-guest loops"
	PCIASSIGN_APPEND="pciassign.stress_secs=$conc_secs pciassign.kill_rounds=${STRESS_KILL_ROUNDS:-200} pciassign.hostile_rounds=${STRESS_HOSTILE_ROUNDS:-10} pciassign.case_timeout=$((conc_secs + 600))" \
		"$PCIASSIGN_TOP/tests/vm/run-vm.sh" -k "$short" -m "$ko" -c '83-hostile|84-hostile-vmm|88-concurrency|90-rmmod' \
		-t $((2 * conc_secs + 1200)) 2>"$out/conc-$short.log" | sed "s|$short/|$short-stress/|" | tee -a "$results"
	fi_ko=$(PCIASSIGN_FAULT_INJECT=1 "$PCIASSIGN_TOP/scripts/build-kmod.sh" "$abi") &&
		"$PCIASSIGN_TOP/tests/vm/run-vm.sh" -k "$short" -p faults -m "$fi_ko" \
			2>"$out/faults-$short.log" | tee -a "$results"
done
note "config engine fuzzer for ${STRESS_FUZZ_TIME:-600} s"
if make -s -C "$PCIASSIGN_TOP/tests/fuzz" fuzz-long FUZZ_TIME="${STRESS_FUZZ_TIME:-600}" \
	>"$out/fuzz-long.log" 2>&1; then
	echo "PASS: stress/vconfig-fuzz-long" | tee -a "$results"
else
	echo "FAIL: stress/vconfig-fuzz-long (log: $out/fuzz-long.log)" | tee -a "$results"
fi
note "vfio-user codec fuzzer for ${STRESS_FUZZ_TIME:-600} s"
if make -s -C "$PCIASSIGN_TOP/tests/fuzz" fuzz-long-vfio-user FUZZ_TIME="${STRESS_FUZZ_TIME:-600}" \
	>"$out/fuzz-long-vfio-user.log" 2>&1; then
	echo "PASS: stress/vfio-user-fuzz-long" | tee -a "$results"
else
	echo "FAIL: stress/vfio-user-fuzz-long (log: $out/fuzz-long-vfio-user.log)" | tee -a "$results"
fi
rig_summary "$results"
