# SPDX-License-Identifier: LGPL-2.1-or-later
# The symbols of libpciassign.map as NAME@NODE lines, and NODE@NODE for
# each version node, as nm -D shows them (one @ for every version here).
$2 == "{" && $1 ~ /^LIBPCIASSIGN_/ { node = $1; print node "@" node; next }
$1 ~ /^pa_[a-z0-9_]*;$/ && node != "" { sub(/;$/, "", $1); print $1 "@" node }
