#!/usr/bin/env bash
# Download the rig's Debian kernel images into the cache and prepare them:
# $PCIASSIGN_CACHE/kernels/<abi>/{vmlinuz,config,lib/modules/<abi>/...}
# with modules.dep generated (the .debs ship none).
# The kernels are the newest of their series that apt knows (rig-env.sh:
# rig_kernel_abi).
set -euo pipefail
. "$(dirname "$0")/rig-env.sh"

mkdir -p "$PCIASSIGN_CACHE/debs" "$PCIASSIGN_CACHE/kernels"
for short in "${RIG_KERNEL_NAMES[@]}"; do
	abi=$(rig_kernel_abi "$short")
	echo "$abi" >"$PCIASSIGN_CACHE/abi-$short"
	dest=$PCIASSIGN_CACHE/kernels/$abi
	[ -f "$dest/.ready" ] && continue

	note "fetching kernel image $abi"
	# A trixie kernel through the private trixie apt configuration
	# (rig-env.sh: rig_trixie_apt), the others through the machine's apt.
	apt=()
	[ "$(rig_kernel_release "$short")" = trixie ] && apt=(rig_trixie_apt)
	# Since 7.x Debian splits linux-image-ABI into linux-base-ABI (config,
	# module lists), linux-binary-ABI (vmlinuz) and linux-modules-ABI, all
	# under /usr/lib/modules/ABI: take every package of that ABI that the
	# image depends on (none for 6.x images, which hold everything).
	mapfile -t pkgs < <("${apt[@]}" apt-cache show "linux-image-$abi" 2>/dev/null |
		sed -n 's/^Depends: //p' | tr ',|' '\n\n' |
		sed -n "s/^ *\\(linux-[a-z]*-$abi\\)\\( .*\\)\\{0,1\\}\$/\\1/p" | sort -u)
	pkgs=("linux-image-$abi" "${pkgs[@]}")
	debs=()
	for p in "${pkgs[@]}"; do
		deb=$(ls "$PCIASSIGN_CACHE"/debs/"$p"_*.deb 2>/dev/null | head -n1 || true)
		if [ -z "$deb" ]; then
			(cd "$PCIASSIGN_CACHE/debs" &&
			 "${apt[@]}" apt-get download "$p" 2>&1 | grep -v 'unsandboxed' || true)
			deb=$(ls "$PCIASSIGN_CACHE"/debs/"$p"_*.deb 2>/dev/null | head -n1 || true)
		fi
		[ -n "$deb" ] || die "could not download $p"
		debs+=("$deb")
	done

	rm -rf "$dest" && mkdir -p "$dest/x"
	for deb in "${debs[@]}"; do
		dpkg -x "$deb" "$dest/x"
	done
	mkdir -p "$dest/lib/modules"
	for m in "$dest/x/lib/modules/$abi" "$dest/x/usr/lib/modules/$abi"; do
		[ -d "$m" ] && mv "$m" "$dest/lib/modules/"
	done
	mods=$dest/lib/modules/$abi
	[ -d "$mods/kernel" ] || die "no modules in the packages of $abi: ${pkgs[*]}"
	for f in vmlinuz config; do
		if [ -f "$dest/x/boot/$f-$abi" ]; then
			mv "$dest/x/boot/$f-$abi" "$dest/$f"
		elif [ -f "$mods/$f" ]; then
			mv "$mods/$f" "$dest/$f"
		else
			die "no $f in the packages of $abi: ${pkgs[*]}"
		fi
	done
	rm -rf "$dest/x"
	depmod -b "$dest" "$abi"
	touch "$dest/.ready"
done
