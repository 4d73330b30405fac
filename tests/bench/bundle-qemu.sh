#!/usr/bin/env bash
# bundle-qemu.sh [--no-nested] OUT.cpio.gz [ABI]
# The extra rig initramfs for the bench phase "linux"
# (tests/vm/guest/profiles/bench/70-linux-guest): a gzip'd newc cpio that
# run-vm.sh appends to the rig's own (RIG_EXTRA_INITRD). It holds
#   /opt/qemu/       Debian's QEMU (/usr/bin/qemu-system-x86_64) with its
#                    whole shared-library closure, the dynamic loader
#                    included, and the firmware it loads for a q35 direct
#                    kernel boot; /opt/qemu/bin/qemu-system-x86_64 runs it
#                    through its own loader and library path
#   /tests/linux/    lg-host (the rig-side runner), lg-extra.gz (a cpio
#                    with /lg/lg-io, the nested guest's measuring tool,
#                    which the case appends to the nested initramfs), and
#                    unless --no-nested the nested guest itself: the rig
#                    kernel ABI's vmlinuz and initramfs.gz
#                    (tests/vm/nested/build-nested-initramfs.sh). The rig's
#                    bench profile ships those already (build-initramfs.sh),
#                    so run-bench.sh passes --no-nested.
# ABI defaults to the 6.12 rig kernel's. NESTED_INITRAMFS_BUILDER=SCRIPT
# builds the nested initramfs with another script (same arguments).
set -euo pipefail
. "$(dirname "$0")/../../scripts/rig-env.sh"

nested=1
if [ "${1:-}" = --no-nested ]; then
	nested=""
	shift
fi
out=${1:?usage: bundle-qemu.sh [--no-nested] OUT.cpio.gz [ABI]}
abi=${2:-$(rig_kernel_abi 6.12)}
kroot=$PCIASSIGN_CACHE/kernels/$abi
[ -f "$kroot/vmlinuz" ] || die "kernel $abi not fetched; run scripts/fetch-kernels.sh"
qemu=/usr/bin/qemu-system-x86_64
[ -x "$qemu" ] || die "no $qemu; run scripts/install-deps.sh"
builder=${NESTED_INITRAMFS_BUILDER:-$PCIASSIGN_TOP/tests/vm/nested/build-nested-initramfs.sh}
[ -z "$nested" ] || [ -x "$builder" ] || die "no $builder"

mkdir -p "$PCIASSIGN_BUILD"
root=$(mktemp -d "$PCIASSIGN_BUILD/bundle.XXXXXX")
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"
q=$root/opt/qemu
mkdir -p "$q"/{bin,libexec,lib,share/qemu} "$root/tests/linux"

# QEMU and every library it loads: ldd prints the whole closure, the
# loader last ("/lib64/ld-linux-x86-64.so.2 (0x...)"). Copied under the
# names the binary asks for, symlinks resolved.
cp "$qemu" "$q/libexec/qemu-system-x86_64"
loader=""
while read -r a b c _; do
	if [ "$b" = "=>" ] && [ -f "$c" ]; then
		cp -L "$c" "$q/lib/$a"
	elif [ "$b" = "=>" ]; then
		die "ldd: $a not found"
	elif [ -f "$a" ]; then	# the loader: absolute path, no "=>"
		loader=$(basename "$a")
		cp -L "$a" "$q/lib/$loader"
	fi
done < <(ldd "$qemu")
[ -n "$loader" ] || die "no dynamic loader in ldd's output for $qemu"

# Firmware for -M q35 -nodefaults -kernel with vfio-pci rombar=0 (what
# QEMU 7.2 opens, from strace): SeaBIOS, the direct-boot option ROM, the
# TPR-patching ROM KVM uses. Debian spreads them over two directories.
fw_dirs=(/usr/share/qemu /usr/share/seabios)
for f in bios-256k.bin linuxboot_dma.bin kvmvapic.bin; do
	found=""
	for d in "${fw_dirs[@]}"; do
		if [ -f "$d/$f" ]; then
			cp -L "$d/$f" "$q/share/qemu/$f"
			found=1
			break
		fi
	done
	[ -n "$found" ] || die "firmware $f not found in ${fw_dirs[*]}"
done

# The wrapper: QEMU through the bundled loader, never the rig's (it has
# none), its firmware from the bundle.
cat >"$q/bin/qemu-system-x86_64" <<WRAP
#!/bin/sh
# Debian's QEMU, bundled by tests/bench/bundle-qemu.sh.
exec /opt/qemu/lib/$loader --library-path /opt/qemu/lib \\
	/opt/qemu/libexec/qemu-system-x86_64 -L /opt/qemu/share/qemu "\$@"
WRAP
chmod 0755 "$q/bin/qemu-system-x86_64" "$q/libexec/qemu-system-x86_64" "$q/lib/$loader"

# The rig-side runner, and lg-io as a cpio of its own: the case appends
# it to the nested initramfs (the kernel unpacks concatenated archives).
cflags=(-O2 -Wall -Wextra -Werror -static)
gcc "${cflags[@]}" -o "$root/tests/linux/lg-host" "$PCIASSIGN_TOP/tests/bench/lg-host.c"
lgroot=$root/lg-extra
mkdir -p "$lgroot/lg"
gcc "${cflags[@]}" -o "$lgroot/lg/lg-io" "$PCIASSIGN_TOP/tests/bench/lg-io.c"
(cd "$lgroot" && find . -mindepth 1 | cpio -o -H newc --quiet) | gzip -9 >"$root/tests/linux/lg-extra.gz"
rm -rf "$lgroot"
echo "$abi" >"$root/tests/linux/abi"
if [ -n "$nested" ]; then
	cp "$kroot/vmlinuz" "$root/tests/linux/vmlinuz"
	"$builder" "$abi" "$root/tests/linux/initramfs.gz"
fi

tmp=$out.tmp.$$
(cd "$root" && find . -mindepth 1 | cpio -o -H newc --quiet) | gzip -6 >"$tmp"
mv "$tmp" "$out"
note "QEMU bundle: $out ($(du -m "$out" | cut -f1) MiB${nested:+, nested kernel $abi})"
