#!/usr/bin/env bash
# build-nested-initramfs.sh ABI OUT.gz
# Builds the initramfs of the Linux guest that pciassign-vmm boots in the
# rig's linux profile: static busybox, the rig kernel's own nvme and
# e1000e modules (decompressed, with modules.dep), tests/vm/nested/guest/
# under /lg/ and its init as /init. The nested guest runs the same kernel
# as the rig, so the modules are that kernel's.
set -euo pipefail
. "$(dirname "$0")/../../../scripts/rig-env.sh"

[ $# -eq 2 ] || die "usage: $0 ABI OUT.gz"
abi=$1 out=$2
kroot=$PCIASSIGN_CACHE/kernels/$abi
[ -f "$kroot/.ready" ] || die "kernel $abi not fetched; run scripts/fetch-kernels.sh"
# busybox-static: the nested guest has no libc.
[ -x /bin/busybox ] || die "no /bin/busybox (apt-get install busybox-static)"

NESTED_MODULES=(nvme e1000e)

mkdir -p "$PCIASSIGN_BUILD"
root=$(mktemp -d "$PCIASSIGN_BUILD/nested-initramfs.XXXXXX")
chmod 0755 "$root"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,lg,lib/modules/"$abi"}

initramfs_busybox "$root"
initramfs_modules "$root" "$abi" "${NESTED_MODULES[@]}"
depmod -b "$root" "$abi"
# Both drivers must have made it (a module that is built in needs no file).
for m in "${NESTED_MODULES[@]}"; do
	modprobe -d "$root" -S "$abi" --show-depends "$m" >/dev/null ||
		die "module $m missing from the nested initramfs"
done

cp -r "$PCIASSIGN_TOP"/tests/vm/nested/guest/. "$root/lg/"
# lg-io: the nested guest's measuring tool (access loops for the checks,
# the bench's I/O runs); static, the nested guest has no libc.
gcc -O2 -Wall -Wextra -Werror -static -o "$root/lg/lg-io" "$PCIASSIGN_TOP/tests/bench/lg-io.c" ||
	die "cannot build lg-io"
cp "$root/lg/init" "$root/init"
chmod +x "$root/init" "$root"/lg/*

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
