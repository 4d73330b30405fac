#!/usr/bin/env bash
# debug-kernel.sh: build (once) the rig's debug kernel and print its ABI.
# Debian's own 6.12 source (linux-source-6.12, bookworm-backports) with
# Debian's amd64 config (linux-config-6.12), trimmed by localmodconfig to
# the modules the rig loads (RIG_LSMOD below), then tests/vm/debug-rig.config
# (signing, BTF, debug info off) and tests/vm/debug.config (lockdep, KASAN,
# kmemleak, debugobjects, UBSAN, ...) merged over it. The result is laid
# out like a fetched rig kernel, $PCIASSIGN_CACHE/kernels/ABI/ (vmlinuz,
# lib/modules/ABI, build -> the built tree, for out-of-tree modules), and
# $PCIASSIGN_CACHE/abi-6.12-debug names it, so run-vm.sh -k 6.12-debug and
# build-kmod.sh ABI both work. The tree is kept under
# $PCIASSIGN_CACHE/debug-kernel/SRCVERSION-CONFIGHASH: a second run with the
# same source version and the same configuration inputs reuses it.
# Root only (apt-get, the cache). A first build takes about 14 minutes on
# 2 cores (3.1 GB in the cache); later runs find it in a second.
set -euo pipefail
. "$(dirname "$0")/rig-env.sh"

SERIES=6.12
# The modules the rig's initramfs loads (build-initramfs.sh GUEST_MODULES)
# and their dependencies, as lsmod names them.
RIG_LSMOD=(e1000e e1000 nvme nvme_core nvme_auth vfio_pci vfio_pci_core vfio
	vfio_iommu_type1 irqbypass kvm_amd kvm ccp)

[ "$(id -u)" = 0 ] || die "debug-kernel.sh must run as root (apt-get, $PCIASSIGN_CACHE)"
pkgs=("linux-source-$SERIES" "linux-config-$SERIES")
if [ "$(dpkg-query -W -f='${Status}\n' "${pkgs[@]}" 2>/dev/null | grep -c 'ok installed')" != 2 ]; then
	note "apt-get install ${pkgs[*]} (bookworm-backports)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports \
		"${pkgs[@]}" bc bison flex libelf-dev libssl-dev rsync >/dev/null ||
		die "apt-get install ${pkgs[*]} failed"
fi
srcver=$(dpkg-query -W -f='${Version}' "linux-source-$SERIES")
tarball=/usr/src/linux-source-$SERIES.tar.xz
baseconfig=/usr/src/linux-config-$SERIES/config.amd64_none_amd64.xz
if [ ! -f "$tarball" ] || [ ! -f "$baseconfig" ]; then die "no $tarball or $baseconfig"; fi

# The cache key: the source version and every input of the configuration.
key=$( {
	echo "$srcver"
	xzcat "$baseconfig"
	printf '%s\n' "${RIG_LSMOD[@]}"
	cat "$PCIASSIGN_TOP/tests/vm/debug-rig.config" "$PCIASSIGN_TOP/tests/vm/debug.config"
} | sha256sum | cut -c1-12)
dir=$PCIASSIGN_CACHE/debug-kernel/$(echo "$srcver" | tr "~+:" "---")-$key
src=$dir/linux
if [ -f "$dir/.ready" ]; then
	abi=$(cat "$dir/abi")
	echo "$abi" >"$PCIASSIGN_CACHE/abi-$SERIES-debug"
	echo "$abi"
	exit 0
fi

note "debug kernel: Debian linux-source-$SERIES $srcver, configuration $key (in $dir)"
rm -rf "$dir"
mkdir -p "$dir"
tar -C "$dir" -xJf "$tarball"
mv "$dir/linux-source-$SERIES" "$src"
xzcat "$baseconfig" >"$src/.config"
printf '%s 16384 0\n' Module "${RIG_LSMOD[@]}" >"$dir/lsmod"
kmake() { nice -n 10 make -C "$src" -j"$(nproc)" "$@"; }
{
	kmake olddefconfig
	kmake LSMOD="$dir/lsmod" localmodconfig </dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" \
		"$PCIASSIGN_TOP/tests/vm/debug-rig.config" "$PCIASSIGN_TOP/tests/vm/debug.config"
	"$src/scripts/config" --file "$src/.config" --set-str LOCALVERSION "-padebug-$key" \
		--disable LOCALVERSION_AUTO
	kmake olddefconfig
} >"$dir/config.log" 2>&1 || die "configuring the debug kernel failed (log: $dir/config.log)"

# Every line of the fragments must have survived olddefconfig.
bad=""
for frag in debug-rig.config debug.config; do
	while read -r line; do
		case "$line" in
		CONFIG_*=*) want=$line ;;
		"# CONFIG_"*" is not set") want=$line ;;
		*) continue ;;
		esac
		opt=$(echo "$want" | sed -E 's/^# (CONFIG_[A-Z0-9_]+) is not set$/\1/; s/=.*//')
		got=$(grep -E "^($opt=|# $opt is not set)" "$src/.config" || echo "# $opt is not set")
		[ "$got" = "$want" ] || bad="$bad $frag: wanted '$want', got '$got';"
	done <"$PCIASSIGN_TOP/tests/vm/$frag"
done
[ -z "$bad" ] || die "the debug kernel's configuration lost options:$bad (log: $dir/config.log)"

t0=$(date +%s)
note "building the debug kernel (nice, -j$(nproc); log: $dir/build.log)"
kmake bzImage modules >"$dir/build.log" 2>&1 || {
	tail -n 30 "$dir/build.log" >&2
	die "building the debug kernel failed (log: $dir/build.log)"
}
abi=$(make -s -C "$src" kernelrelease)
kroot=$PCIASSIGN_CACHE/kernels/$abi
rm -rf "$kroot"
mkdir -p "$kroot"
kmake INSTALL_MOD_PATH="$kroot" INSTALL_MOD_STRIP=1 modules_install >>"$dir/build.log" 2>&1 ||
	die "installing the debug kernel's modules failed (log: $dir/build.log)"
rm -f "$kroot/lib/modules/$abi/build" "$kroot/lib/modules/$abi/source"
cp "$src/arch/x86/boot/bzImage" "$kroot/vmlinuz"
cp "$src/.config" "$kroot/config"
ln -s "$src" "$kroot/build"
echo "$abi" >"$dir/abi"
echo "$(($(date +%s) - t0))" >"$dir/build-seconds"
touch "$kroot/.ready" "$dir/.ready"
echo "$abi" >"$PCIASSIGN_CACHE/abi-$SERIES-debug"
note "debug kernel $abi built in $(($(date +%s) - t0)) s"
echo "$abi"
