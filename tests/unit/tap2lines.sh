#!/bin/sh
# tap2lines.sh PREFIX < TAP: cmocka's TAP output as PASS:/FAIL: lines.
# A binary that crashed before its plan was complete counts as a failure.
prefix=$1
awk -v p="$prefix" '
/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0 }
/^ok / { n++; sub(/^ok [0-9]+ - /, ""); print "PASS: " p "/" $0; next }
/^not ok / { n++; bad = 1; line = $0; sub(/^not ok [0-9]+ - /, "", line); print "FAIL: " p "/" line; next }
/^#/ { print "    " $0 }
END {
	if (n == 0 || n != plan) { print "FAIL: " p "/complete: ran " n " of " plan " planned tests"; exit 1 }
	exit bad
}'
