#!/usr/bin/env bash
# build-deb.sh OUTDIR: build the pciassign-dkms, pciassign-tools,
# libpciassign0 and libpciassign-dev .debs (and the source package) from
# this tree into OUTDIR (make deb). The tree is copied to a staging
# directory inside OUTDIR first, because dpkg-buildpackage writes its
# results next to the source tree and into it (debian/).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: build-deb.sh OUTDIR}
ver=$(cat "$top/VERSION")

die() { echo "make deb: $*" >&2; exit 1; }

# Every version must agree with VERSION.
conf_ver=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$top/dkms.conf")
[ "$conf_ver" = "$ver" ] ||
	die "dkms.conf has PACKAGE_VERSION \"$conf_ver\" but VERSION says $ver: update dkms.conf"
deb_ver=$(cd "$top" && dpkg-parsechangelog -S Version)
[ "$deb_ver" = "$ver" ] ||
	die "debian/changelog is at $deb_ver but VERSION says $ver: add an entry (dch -v $ver)"

# Build dependencies: say what to install rather than fail half-way.
if ! missing=$(cd "$top" && dpkg-checkbuilddeps 2>&1); then
	echo "$missing" >&2
	deps=$(echo "$missing" | sed -n 's/.*Unmet build dependencies: //p' |
		sed 's/([^)]*)//g; s/|[^ ]*//g')
	die "missing build dependencies; run: apt-get install --no-install-recommends $deps"
fi

stage=$out/pciassign-$ver
rm -rf "$stage"
mkdir -p "$stage"
out=$(cd "$out" && pwd)
stage=$out/pciassign-$ver
# The working tree as it is (tracked and new files), without build output.
# (Only when this tree is a git work tree's top, not a copy inside one.)
if [ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" = "$top" ]; then
	(cd "$top" && git ls-files -z -co --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -C "$stage" -xf -
else
	tar -C "$top" --exclude='./build*' --exclude=./.git --exclude='*.o' --exclude='*.ko' \
		--exclude='.*.cmd' --exclude='*.mod' --exclude='*.mod.c' --exclude=modules.order --exclude=Module.symvers \
		-cf - . | tar -C "$stage" -xf -
fi

rm -f "$out"/pciassign*_"$ver"* "$out"/libpciassign*_"$ver"_*
# Source and binary packages: the .dsc/.tar.xz and the .changes are what
# lintian checks (scripts/test-packaging.sh).
(cd "$stage" && dpkg-buildpackage -us -uc --no-sign) >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	die "dpkg-buildpackage failed (log: $out/build.log)"
}
rm -rf "$stage"
ls -1 "$out"/*_"$ver"_*.deb
