# The nested guest's "clean" check: which kernel log lines count as PCI or
# driver trouble. Sourced by /init; tests/vm/nested/test-clean-filter.sh
# runs it on the build host over sample logs.

# The kernel log on stdin, minus the one known exception: TCG's -cpu max
# XSAVE CPUID leaves trip a WARN in fpu__init_system_xstate. Its whole
# "cut here" .. "end trace" block goes, nothing else (another WARN's
# block stays, and so does a block that never ends).
lg_dmesg_filtered() {
	awk '
		/------------\[ cut here \]------------/ { inblk = 1; blk = $0; xs = 0; fn = 0; next }
		inblk {
			blk = blk "\n" $0
			if ($0 ~ /WARNING: .*fpu\/xstate\.c/) xs = 1
			if ($0 ~ /fpu__init_system_xstate/) fn = 1
			if ($0 ~ /---\[ end trace/) {
				if (!(xs && fn)) print blk
				inblk = 0
			}
			next
		}
		{ print }
		END { if (inblk) print blk }'
}

# The offending lines of the kernel log on stdin (nothing if clean).
lg_dmesg_bad() {
	lg_dmesg_filtered >/tmp/lg-dmesg.$$
	grep -E -e 'Oops|BUG|WARNING|Call Trace|general protection|Kernel panic|RIP: ' \
		-e 'DMAR|Hardware Error|Unit Hang|nobody cared|I/O error|segfault' \
		-e 'no space for|failed to assign|can.t (assign|claim|enable)|not using (MMCONFIG|ECAM)' \
		-e '[Dd][Mm][Aa].*([Ee]rror|[Ff]ail)' /tmp/lg-dmesg.$$
	# Any complaint from the PCI core, MSI or the two drivers.
	# (The VMM's DSDT has no _OSC: the kernel leaves PCIe features to the
	# platform and may say so; 7.3 does, with AE_ERROR.)
	grep -E '(pci|PCI|MSI|msi|nvme|e1000e)' /tmp/lg-dmesg.$$ |
		grep -v '_OSC: platform retains control of PCIe features' |
		grep -iE 'fail|error|unable|cannot|can.t|invalid|timeout|timed out|abort|hang|reset|not ready'
	rm -f /tmp/lg-dmesg.$$
	return 0
}
