#!/usr/bin/env bash
# demo.sh: the README's first command. Installs what is missing (as root),
# builds, boots the QEMU rig and narrates what happens inside it.
set -euo pipefail
. "$(dirname "$0")/rig-env.sh"
short=${DEMO_KERNEL:-6.1}

if [ "$(id -u)" = 0 ]; then
	"$PCIASSIGN_TOP/scripts/install-deps.sh"
fi
note "building pciassign"
make -s -C "$PCIASSIGN_TOP/user" >/dev/null
abi=$(rig_kernel_abi "$short")
ko=$("$PCIASSIGN_TOP/scripts/build-kmod.sh" "$abi" 2>/dev/null)
note "booting Debian $abi under QEMU (q35, intel-iommu with interrupt remapping, edu, e1000e, nvme); about 3 minutes"
# The linux profile's machine: the nested kernel, user networking, the disk pattern.
if "$PCIASSIGN_TOP/tests/vm/run-vm.sh" -d -p linux -k "$short" -m "$ko" -t 600; then
	echo "demo: SUCCESS"
else
	echo "demo: FAILED (see the log above)"
	exit 1
fi
