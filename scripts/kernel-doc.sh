#!/usr/bin/env bash
# kernel-doc.sh: the kernel's kernel-doc over the module. Every /** comment
# in kmod/*.c must be well-formed kernel-doc (the name of what follows it,
# every parameter described, sections as kernel-doc knows them), and every
# function kmod/pciassign.h declares for use across files must carry one at
# its definition. kernel-doc comes from Debian's linux-source package, as
# checkpatch.pl does (install-deps.sh extracts both into the rig cache).
# Any warning fails it.
set -uo pipefail
. "$(dirname "$0")/rig-env.sh"
kd=$PCIASSIGN_CACHE/checkpatch/kernel-doc
[ -f "$kd" ] || die "no kernel-doc in $PCIASSIGN_CACHE/checkpatch; run scripts/install-deps.sh"
cd "$PCIASSIGN_TOP" || exit 1
# The sources, not what an in-tree build leaves (pciassign.mod.c).
srcs=()
for f in kmod/*.c; do
	[[ $f == *.mod.c ]] || srcs+=("$f")
done
log=$(mktemp)
trap 'rm -f "$log"' EXIT
perl "$kd" -none -Werror "${srcs[@]}" >>"$log" 2>&1
# The cross-file functions: those pciassign.h declares (its static inlines
# aside), each documented where it is defined.
sed -n 's/^[a-z_][^(]*[ *]\([a-z_0-9]*\)(.*/\1/p' kmod/pciassign.h | sort -u |
while read -r fn; do
	file=$(grep -l "^[a-z_].*[ *]$fn(" "${srcs[@]}" | head -n 1)
	[ -n "$file" ] || continue
	perl "$kd" -rst -sphinx-version 3.0 -function "$fn" "$file" 2>&1 >/dev/null |
		sed "s/warning: '$fn' not found/warning: $fn() has no kernel-doc comment/"
done >>"$log"
if [ -s "$log" ]; then
	cat "$log"
	echo "kernel-doc: $(grep -c ': warning:' "$log") warning(s) in kmod/*.c"
	exit 1
fi
echo "kernel-doc: kmod/*.c clean"
