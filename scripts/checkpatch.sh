#!/usr/bin/env bash
# checkpatch.sh: the kernel's style checker over the module and the UAPI.
# checkpatch.pl comes from Debian's linux-source package (install-deps.sh
# extracts it into the rig cache). compat.h exists to test kernel versions,
# so the warnings about doing that are expected there and only there.
set -uo pipefail
. "$(dirname "$0")/rig-env.sh"
cp=$PCIASSIGN_CACHE/checkpatch/checkpatch.pl
[ -f "$cp" ] || die "no checkpatch.pl in $PCIASSIGN_CACHE/checkpatch; run scripts/install-deps.sh"
cd "$PCIASSIGN_TOP"
opts=(--no-tree --terse --show-types --max-line-length=100 -f)
rc=0
files=$(ls kmod/*.c kmod/*.h uapi/linux/*.h | grep -v -e '^kmod/compat.h$' -e '\.mod\.c$')
perl "$cp" "${opts[@]}" $files || rc=1
perl "$cp" "${opts[@]}" --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON kmod/compat.h || rc=1
exit $rc
