#!/usr/bin/env bash
# check-netlink-spec.sh: the netlink YAML spec
# (Documentation/netlink/specs/pciassign.yaml), the UAPI header
# (uapi/linux/pciassign_netlink.h) and libpciassign's generated name table
# (user/lib/netlink_names.h) say the same thing: one PASS or FAIL line per
# check (scripts/netlink-spec.py). After changing the spec, regenerate the
# table with `scripts/netlink-spec.py gen`.
set -uo pipefail
exec python3 "$(dirname "$0")/netlink-spec.py" check "$@"
