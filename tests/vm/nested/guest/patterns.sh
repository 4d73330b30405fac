# The nvme data patterns of the linux profile, in one place: sourced by
# the nested guest's /init (busybox sh) and by tests/vm/run-vm.sh (bash),
# which writes the host pattern into the disk image before the boot and
# checks the guest's pattern in it afterwards. Offsets are in MiB.
LG_HOST_OFF=4		# written by the rig host, read by the nested guest
LG_GUEST_OFF=8		# written by the nested guest, checked by the rig host
LG_LOOP_OFF=16		# lg.mode=io-loop's scratch area, away from both
LG_DISK_MIB=256		# the disk image's size (sparse)
# 1 MiB of "pciassign-host-pattern\n" repeated. yes dies of SIGPIPE when
# head has its bytes: fine, also under bash's pipefail and errexit.
lg_pattern() { yes "$1" | head -c 1048576 || [ $? -eq 141 ]; }
lg_host_pattern() { lg_pattern pciassign-host-pattern; }
lg_guest_pattern() { lg_pattern pciassign-guest-pattern; }
