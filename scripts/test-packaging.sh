#!/usr/bin/env bash
# test-packaging.sh: pciassign's packaging, one "PASS: pkg/<name>" or
# "FAIL: pkg/<name>: why" line per check ("SKIP: ..." when it needs root).
#   versions   dkms.conf and debian/changelog agree with VERSION
#   man        every man page renders without warnings, pciassign(8) and the
#              bash completion know every command the CLI has
#   udev       the rule passes udevadm verify
#   install    make install DESTDIR=... PREFIX=/usr puts every file in place,
#              a program builds against it through pkg-config; uninstall
#   abi        libpciassign.so.0 exports exactly the header's API, the version
#              script and debian/libpciassign0.symbols list the same symbols
#   deb        make deb (four binary packages and the source package), their
#              contents, lintian -EviIL +pedantic on all of them (any tag not
#              overridden fails; lintian is installed here when root), dpkg
#              -i, dkms status, pciassign version, dpkg -r/-P
#   dkms       add/build/install/remove for both rig kernels, through the
#              pciassign-dkms package (or the tree directly when the packages
#              do not build, or with PKGTEST_DIRECT_DKMS=1); the 6.1 module
#              is kept in $PCIASSIGN_BUILD/dkms/ for a rig run
#   modprobe   the modprobe.d example names exactly the module's parameters
# Everything runs on a copy of the working tree (PKGTEST_TREE=HEAD: of the
# last commit); nothing is written outside $PCIASSIGN_BUILD (make deb's
# output is $PCIASSIGN_BUILD/deb) but the package and dkms installs.
set -uo pipefail
. "$(dirname "$0")/rig-env.sh"

top=$PCIASSIGN_TOP
ver=$(cat "$top/VERSION")
work=$PCIASSIGN_BUILD/pkgtest
failures=0

pass() { echo "PASS: pkg/$1"; }
fail() { echo "FAIL: pkg/$1: $2"; failures=$((failures + 1)); }
skip() { echo "SKIP: pkg/$1 ($2)"; }
is_root() { [ "$(id -u)" = 0 ]; }

rm -rf "$work"
mkdir -p "$work"

# The working tree as it is (tracked and new files), without build output;
# with PKGTEST_TREE=HEAD (or another commit) that commit instead.
snapshot() {
	local dst=$1
	mkdir -p "$dst"
	if [ -n "${PKGTEST_TREE:-}" ]; then
		git -C "$top" archive "$PKGTEST_TREE" | tar -C "$dst" -xf -
		return
	fi
	(cd "$top" && git ls-files -z -co --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -C "$dst" -xf -
}

# ---- versions ---------------------------------------------------------------
# dkms sources dkms.conf as shell: read it the same way.
conf_ver=$(kernel_source_dir=/nonexistent bash -c '. "$1" && echo "$PACKAGE_VERSION"' _ "$top/dkms.conf")
if [ "$conf_ver" = "$ver" ]; then
	pass version/dkms.conf
else
	fail version/dkms.conf "PACKAGE_VERSION is '$conf_ver', VERSION is '$ver'"
fi
deb_ver=$(cd "$top" && dpkg-parsechangelog -S Version 2>/dev/null)
if [ "$deb_ver" = "$ver" ]; then
	pass version/debian-changelog
else
	fail version/debian-changelog "debian/changelog is at '$deb_ver', VERSION is '$ver'"
fi
# Directives dkms 3.x deprecated or that this tree must not need. CLEAN
# (deprecated in dkms 3.1.8) may only be "true", which every dkms accepts.
bad=$(grep -oE '^(REMAKE_INITRD|MODULES_CONF[^=]*|CLEAN_MATCH|PATCH[^=]*)=' "$top/dkms.conf" | tr '\n' ' ')
clean=$(kernel_source_dir=/nonexistent bash -c '. "$1" && echo "${CLEAN-unset}"' _ "$top/dkms.conf")
if grep -q '^BUILT_MODULE_NAME\[0\]="[^"]*\.k\?o"' "$top/dkms.conf"; then
	fail dkms.conf-directives "BUILT_MODULE_NAME must not end in .ko"
elif [ -n "$bad" ]; then
	fail dkms.conf-directives "deprecated directives: $bad"
elif [ "$clean" != unset ] && [ "$clean" != true ]; then
	fail dkms.conf-directives "CLEAN is '$clean': drop it or make it \"true\" (deprecated since dkms 3.1.8)"
else
	pass dkms.conf-directives
fi

# ---- the tree, built and installed into a staging root ------------------------
src=$work/src
snapshot "$src"
abi61=$(rig_kernel_abi 6.1)
abi612=$(rig_kernel_abi 6.12)
kdir61=$(rig_kdir "$abi61")
dest=$work/dest
log=$work/install.log
# The CLI first, for the documentation checks even if the module fails.
make -C "$src" user >"$work/user.log" 2>&1
# udev's rules go where udev's pkg-config file says.
udevdir=$(pkg-config --variable=udevdir udev 2>/dev/null)
udevdir=${udevdir:-/lib/udev}
if make -C "$src" install DESTDIR="$dest" PREFIX=/usr KDIR="$kdir61" >"$log" 2>&1; then
	expect=(
		usr/lib/libpciassign.so.0 usr/lib/libpciassign.so usr/lib/libpciassign.a
		usr/lib/pkgconfig/libpciassign.pc usr/include/pciassign/libpciassign.h
		usr/sbin/pciassign
		usr/share/man/man8/pciassign.8 usr/share/man/man1/pciassign-vmm.1
		usr/share/man/man3/libpciassign.3
		usr/share/bash-completion/completions/pciassign
		"${udevdir#/}/rules.d/60-pciassign.rules" etc/modprobe.d/pciassign.conf
		"${udevdir#/}/rules.d/61-pciassign-persistent.rules"
		usr/share/doc/pciassign/examples/modules-load.d-pciassign.conf
		usr/share/doc/pciassign/examples/pciassign-vmm-memlock.conf
		"lib/modules/$abi61/updates/pciassign.ko"
	)
	for h in "$top"/uapi/linux/*.h; do expect+=("usr/include/pciassign/linux/${h##*/}"); done
	# The VMM is installed when the tree builds one.
	[ -x "$src/build/user/pciassign-vmm" ] && expect+=(usr/bin/pciassign-vmm)
	# kbuild puts external modules in extra/ (6.1) or updates/: either will do.
	ko=$(find "$dest/lib/modules/$abi61" -name 'pciassign.ko*' 2>/dev/null | head -n1)
	missing=()
	for f in "${expect[@]}"; do
		case $f in
		lib/modules/*) [ -n "$ko" ] || missing+=("lib/modules/$abi61/{extra,updates}/pciassign.ko") ;;
		*) [ -e "$dest/$f" ] || missing+=("$f") ;;
		esac
	done
	echo "    installed under $dest:"
	(cd "$dest" && find . -type f -o -type l | sed 's|^\./|      /|' | sort)
	soname=$(readelf -d "$dest/usr/lib/libpciassign.so.0" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	if [ ${#missing[@]} -gt 0 ]; then
		fail install "missing: ${missing[*]}"
	elif [ -e "$dest/usr/include/linux" ]; then
		fail install "installed into /usr/include/linux (linux-libc-dev's): $(ls "$dest/usr/include/linux" | tr '\n' ' ')"
	elif [ "$soname" != libpciassign.so.0 ]; then
		fail install "libpciassign.so.0 has SONAME '$soname'"
	elif [ "$(readlink "$dest/usr/lib/libpciassign.so")" != libpciassign.so.0 ]; then
		fail install "libpciassign.so does not link to libpciassign.so.0"
	else
		pass install
	fi
	# pkg-config metadata and a program built and run against the staging
	# root only (the sysroot prefixes every path the .pc file gives).
	cat >"$work/pcuser.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <libpciassign.h>
#include <linux/pciassign.h>

int main(void)
{
	struct pa_bdf b;
	char s[PA_BDF_STRLEN];

	if (pa_bdf_parse("0000:0a:1f.7", &b))
		return 1;
	pa_bdf_format(&b, s);
	puts(s);
	return strcmp(s, "0000:0a:1f.7") != 0;
}
C
	pcenv=(env PKG_CONFIG_PATH="$dest/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest")
	pcver=$("${pcenv[@]}" pkg-config --modversion libpciassign 2>&1)
	read -ra pcflags < <("${pcenv[@]}" pkg-config --cflags --libs libpciassign 2>/dev/null)
	read -ra pcstatic < <("${pcenv[@]}" pkg-config --static --cflags --libs libpciassign 2>/dev/null)
	if [ "$pcver" != "$ver" ]; then
		fail install/pkg-config "pkg-config --modversion says '$pcver', VERSION is '$ver'"
	elif [ "${pcflags[*]}" != "-I$dest/usr/include/pciassign -L$dest/usr/lib -lpciassign" ]; then
		# The public header includes nothing of libnl's: its flags stay out.
		fail install/pkg-config "pkg-config --cflags --libs gives '${pcflags[*]}'"
	elif [[ " ${pcstatic[*]} " != *" -lnl-genl-3 -lnl-3 "* ]]; then
		fail install/pkg-config "pkg-config --static --libs lacks libnl: '${pcstatic[*]}'"
	elif ! out=$(cc -o "$work/pcuser" "$work/pcuser.c" "${pcflags[@]}" 2>&1); then
		fail install/pkg-config "a program does not build with pkg-config's flags: $out"
	elif [ "$(LD_LIBRARY_PATH="$dest/usr/lib" "$work/pcuser")" != 0000:0a:1f.7 ]; then
		fail install/pkg-config "the program linked to the installed library misbehaves"
	elif [[ $(LD_LIBRARY_PATH="$dest/usr/lib" ldd "$work/pcuser") != *"$dest/usr/lib/libpciassign.so.0"* ]]; then
		fail install/pkg-config "the program is not linked to the installed libpciassign.so.0"
	elif ! out=$(cc -static -o "$work/pcuser-static" "$work/pcuser.c" "${pcstatic[@]}" 2>&1); then
		fail install/pkg-config "static link with pkg-config --static fails: $out"
	else
		pass install/pkg-config
	fi
	# uninstall removes every file install put there (directories may stay).
	if make -C "$src" uninstall DESTDIR="$dest" PREFIX=/usr KDIR="$kdir61" >>"$log" 2>&1; then
		left=$(cd "$dest" && find . \( -type f -o -type l \) | sed 's|^\./||' | tr '\n' ' ')
		if [ -z "$left" ]; then
			pass uninstall
		else
			fail uninstall "left behind: $left"
		fi
	else
		fail uninstall "make uninstall failed (log: $log)"
	fi
else
	fail install "make install failed (log: $log): $(grep -iE 'error' "$log" | head -n 3 | tr '\n' ' ')"
fi

# ---- ABI ----------------------------------------------------------------------
# The shared library exports exactly the header's functions and objects
# (make -C user abi-check), each under its version node; the version script and
# the Debian symbols file list the same names; an internal function does
# not link against it.
lib=$src/build/user/libpciassign.so.0
map=$top/user/lib/libpciassign.map
symfile=$top/debian/libpciassign0.symbols
if [ ! -f "$lib" ]; then
	fail abi "no $lib built (log: $work/user.log)"
elif ! out=$(make -s -C "$src/user" abi-check 2>&1); then
	fail abi "$(echo "$out" | grep -E '^[-+][^-+]|abi-check' | head -n 8 | tr '\n' ' ')"
else
	exported=$(nm -D --defined-only "$lib" | awk '{print $3}' |
		sed -e 's/@@*/@/' -e 's/^\(LIBPCIASSIGN_[0-9.]*\)$/\1@\1/' | sort)
	mapped=$(awk -f "$top/user/lib/map-symbols.awk" "$map" | sort)
	symbols=$(sed -n 's/^ \([^ ]*\) .*/\1/p' "$symfile" | sort)
	cat >"$work/internal.c" <<'C'
int pa_vconfig_size(const void *vc);
int main(void) { return pa_vconfig_size(0); }
C
	if [ "$exported" != "$symbols" ]; then
		fail abi "debian/libpciassign0.symbols and the library differ: $(diff <(echo "$symbols") <(echo "$exported") | grep '^[<>]' | tr '\n' ' ')"
	elif [ "$exported" != "$mapped" ]; then
		fail abi "user/lib/libpciassign.map and the library differ: $(diff <(echo "$mapped") <(echo "$exported") | grep '^[<>]' | tr '\n' ' ')"
	elif cc -o "$work/internal" "$work/internal.c" -L"$src/build/user" -l:libpciassign.so.0 >/dev/null 2>&1; then
		fail abi "a program links against the internal pa_vconfig_size of libpciassign.so.0"
	else
		pass abi
		echo "    $(grep -c '^pa_' <<<"$exported") symbols under $(grep -c '^LIBPCIASSIGN' <<<"$exported") version nodes, as in the symbols file"
	fi
fi

# ---- man pages --------------------------------------------------------------
for page in "$top"/Documentation/man/*.[1-8]; do
	name=${page##*/}
	warn=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1)
	warn2=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	if [ -n "$warn$warn2" ]; then
		fail "man/$name" "$(echo "$warn$warn2" | head -n 3 | tr '\n' ' ')"
	elif ! LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$page" 2>/dev/null | grep '^NAME' >/dev/null; then
		fail "man/$name" "man -l renders no NAME section"
	else
		pass "man/$name"
	fi
done

# The CLI's own list of commands, from its help text.
cli=$src/build/user/pciassign
if [ -x "$cli" ]; then
	cmds=$("$cli" help | sed -n 's/^  \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1/p' | sort -u | tr '\n' ' ')
	cmds="$cmds help"
	opts=$("$cli" help | grep -oE -- '--[a-z][a-z-]+' | sort -u | tr '\n' ' ')
	rendered=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$top/Documentation/man/pciassign.8" 2>/dev/null)
	undoc=()
	# Each command and option is the tag of a paragraph (".TP"), indented 7,
	# a long option maybe after its short form ("-j, --json").
	for w in $cmds $opts; do
		grep -qE -- "^ {7}(-[a-zA-Z], )?$w( |,|\$)" <<<"$rendered" || undoc+=("$w")
	done
	if [ -z "${cmds// /}" ]; then
		fail man/pciassign.8-commands "cannot read the commands from 'pciassign help'"
	elif [ ${#undoc[@]} -eq 0 ]; then
		pass man/pciassign.8-commands
	else
		fail man/pciassign.8-commands "pciassign(8) does not document: ${undoc[*]}"
	fi
	# The completion offers exactly the CLI's commands, and their options.
	comp=$(bash -c '. "$1"; COMP_WORDS=(pciassign ""); COMP_CWORD=1; _pciassign
		echo "${COMPREPLY[@]}"' _ "$top/packaging/pciassign.bash-completion" 2>&1 |
		tr ' ' '\n' | sort -u | tr '\n' ' ')
	want=$(echo "$cmds" | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ')
	jsonopt=$(bash -c '. "$1"; COMP_WORDS=(pciassign list --j); COMP_CWORD=2; _pciassign
		echo "${COMPREPLY[@]}"' _ "$top/packaging/pciassign.bash-completion" 2>&1)
	if [ "$comp" != "$want" ]; then
		fail completion "completes commands '$comp', the CLI has '$want'"
	elif [ "$jsonopt" != --json ]; then
		fail completion "'pciassign list --j<TAB>' gives '$jsonopt'"
	else
		pass completion
	fi
else
	fail man/pciassign.8-commands "no CLI built in $src/build/user"
	fail completion "no CLI built in $src/build/user"
fi

# libpciassign(3) covers every function and object the header declares.
hdr=$top/user/include/libpciassign.h
api=$(grep -oE '\bpa_[a-z0-9_]+ *\(' "$hdr" | tr -d ' (' | sort -u)
api="$api $(grep -oE '^extern const struct [a-z_]+ (pa_[a-z0-9_]+)' "$hdr" | awk '{print $NF}')"
rendered3=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$top/Documentation/man/libpciassign.3" 2>/dev/null)
undoc=()
for f in $api; do
	grep -qE "(^|[^a-z0-9_])$f([^a-z0-9_]|\$)" <<<"$rendered3" || undoc+=("$f")
done
if [ -z "${api// /}" ]; then
	fail man/libpciassign.3-api "no functions found in $hdr"
elif [ ${#undoc[@]} -eq 0 ]; then
	pass man/libpciassign.3-api
else
	fail man/libpciassign.3-api "libpciassign(3) does not document: ${undoc[*]}"
fi

# ---- udev rules -------------------------------------------------------------
# rule_syntax NAME FILE: udevadm verify, or (udev 252 has none) every
# non-comment line is KEY op "value" pairs. 0 when fine.
rule_syntax() {
	local out
	if udevadm verify --help >/dev/null 2>&1; then
		out=$(udevadm verify "$2" 2>&1) && return 0
		fail "$1" "udevadm verify: $out"
		return 1
	fi
	if grep -vE '^\s*(#|$)' "$2" |
	   grep -vqE '^([A-Z_{}a-z]+(==|!=|=|\+=|:=)"[^"]*"(, *|$))+$'; then
		fail "$1" "a line is not KEY==\"value\", ... pairs"
		return 1
	fi
}
rule=$top/packaging/60-pciassign.rules
if rule_syntax udev-rule "$rule"; then
	if grep -qE 'KERNEL=="pciassign".*GROUP="kvm".*MODE="0660"' "$rule"; then
		pass udev-rule
	else
		fail udev-rule "the rule does not give /dev/pciassign to group kvm, mode 0660"
	fi
fi
# Persistent bindings: the rule as make install renders it runs the
# installed CLI's apply for a function saved under /etc/pciassign/bind.d.
sed 's|@SBINDIR@|/usr/sbin|' "$top/packaging/61-pciassign-persistent.rules.in" >"$work/61.rules"
if rule_syntax udev-rule-persistent "$work/61.rules"; then
	if grep -qE '^ACTION=="add", SUBSYSTEM=="pci", TEST=="/etc/pciassign/bind.d/\$kernel".*RUN\+="/usr/sbin/pciassign apply \$kernel"' "$work/61.rules"; then
		pass udev-rule-persistent
	else
		fail udev-rule-persistent "no add rule running '/usr/sbin/pciassign apply \$kernel' for saved functions"
	fi
fi

# ---- DKMS ---------------------------------------------------------------------
# Module builds dominate the run time, so the DKMS life cycle is checked
# once, on the source pciassign-dkms installs (make install-dkms-src, the
# tree's dkms.conf): its postinst runs dkms add, build and install, dpkg -r
# runs dkms remove. When the packages cannot be built (or with
# PKGTEST_DIRECT_DKMS=1) the tree is added to dkms directly instead.

# The module file dkms keeps for a kernel (maybe compressed).
dkms_ko() {
	find "/var/lib/dkms/pciassign/$1/$2/x86_64/module" -name 'pciassign.ko*' 2>/dev/null | head -n1
}

# dkms_kernels VERSION: module VERSION built and installed for both rig
# kernels (building what is missing), the 6.1 one kept for the rig, and the
# modprobe.d example checked against its parameters.
dkms_kernels() {
	local v=$1 short abi klog inst mver vmagic st ko keep params named stray conf
	for short in 6.1 6.12; do
		abi=$(rig_kernel_abi "$short")
		klog=$work/dkms-$v-$short.log
		st=$(dkms status -m pciassign -v "$v" -k "$abi" 2>/dev/null)
		if [[ $st != *": installed"* ]]; then
			if ! dkms build -m pciassign -v "$v" -k "$abi" >"$klog" 2>&1; then
				fail "dkms/build-$short" "dkms build for $abi failed: $(grep -hiE 'error' "$klog" /var/lib/dkms/pciassign/"$v"/build/make.log 2>/dev/null | head -n 3 | tr '\n' ' ')"
				continue
			fi
			if ! dkms install -m pciassign -v "$v" -k "$abi" >>"$klog" 2>&1; then
				fail "dkms/build-$short" "dkms install for $abi failed: $(tail -n 3 "$klog" | tr '\n' ' ')"
				continue
			fi
			st=$(dkms status -m pciassign -v "$v" -k "$abi" 2>/dev/null)
		fi
		inst=$(find "/lib/modules/$abi/updates/dkms" -name 'pciassign.ko*' 2>/dev/null | head -n1)
		mver=$([ -n "$inst" ] && modinfo -F version "$inst" 2>/dev/null)
		vmagic=$([ -n "$inst" ] && modinfo -F vermagic "$inst" 2>/dev/null)
		if [ -z "$inst" ]; then
			fail "dkms/build-$short" "no pciassign.ko under /lib/modules/$abi/updates/dkms"
		elif [ "$mver" != "$ver" ]; then
			fail "dkms/build-$short" "installed module has version '$mver', VERSION is '$ver'"
		elif [[ $vmagic != "$abi "* ]]; then
			fail "dkms/build-$short" "installed module's vermagic is '$vmagic'"
		elif [[ $st != *"$abi"*": installed"* ]]; then
			fail "dkms/build-$short" "dkms status says '$st'"
		else
			pass "dkms/build-$short"
			echo "    $st"
		fi
		[ "$short" = 6.1 ] && [ -n "$inst" ] || continue
		# The 6.1 module, for a rig run (tests/vm/run-vm.sh -m).
		ko=$(dkms_ko "$v" "$abi")
		if [ -n "$ko" ]; then
			mkdir -p "$PCIASSIGN_BUILD/dkms"
			keep=$PCIASSIGN_BUILD/dkms/pciassign-$abi.ko
			case $ko in
			*.xz) xz -dc "$ko" >"$keep" ;;
			*.zst) zstd -qdc "$ko" >"$keep" ;;
			*.gz) gzip -dc "$ko" >"$keep" ;;
			*) cp "$ko" "$keep" ;;
			esac
			echo "    DKMS-built module for $abi: $keep"
		fi
		# modprobe.d: the example names exactly the module's parameters.
		conf=$top/packaging/pciassign.modprobe.conf
		params=$(modinfo -F parm "$inst" | sed 's/:.*//' | sort -u | tr '\n' ' ')
		named=$(sed -n 's/^#\{0,1\}options pciassign \([a-z_]*\)=.*/\1/p' "$conf" |
			sort -u | tr '\n' ' ')
		stray=$(grep -vE '^(#.*)?$' "$conf" | head -n1)
		if [ -z "$params" ]; then
			fail modprobe-conf "modinfo shows no parameters"
		elif [ "$params" != "$named" ]; then
			fail modprobe-conf "module parameters '$params', the example names '$named'"
		elif [ -n "$stray" ]; then
			fail modprobe-conf "a line is not commented out: $stray"
		else
			pass modprobe-conf
		fi
	done
}

# dkms_gone VERSION WHAT: nothing of module VERSION is left.
dkms_gone() {
	local left st
	left=$(find /lib/modules/*/updates/dkms -name 'pciassign.ko*' 2>/dev/null | tr '\n' ' ')
	[ -e "/var/lib/dkms/pciassign/$1" ] && left="$left /var/lib/dkms/pciassign/$1"
	st=$(dkms status -m pciassign -v "$1" 2>/dev/null)
	if [ -n "${left// /}" ] || [ -n "$st" ]; then
		fail dkms/remove "after $2: left $left${st:+ (dkms status: $st)}"
		return 1
	fi
	pass dkms/remove
}

# The tree straight into dkms, under its own version so that it never meets
# the packaged one.
tver=$ver.pkgtest
dkms_direct_clean() {
	dkms remove -m pciassign -v "$tver" --all >/dev/null 2>&1
	rm -rf "/usr/src/pciassign-$tver" "/var/lib/dkms/pciassign/$tver"
	rmdir /var/lib/dkms/pciassign 2>/dev/null
	return 0
}
dkms_direct() {
	local dsrc=/usr/src/pciassign-$tver
	dkms_direct_clean
	trap dkms_direct_clean EXIT
	if ! make -s -C "$src" install-dkms-src DESTDIR="$work/dkmsroot" >"$work/dkms.log" 2>&1; then
		fail dkms/add "make install-dkms-src failed (log: $work/dkms.log)"
	else
		mkdir -p "$dsrc"
		cp -a "$work/dkmsroot/usr/src/pciassign-$ver/." "$dsrc/"
		sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$tver\"/" "$dsrc/dkms.conf"
		if ! dkms add -m pciassign -v "$tver" >>"$work/dkms.log" 2>&1; then
			fail dkms/add "dkms add failed: $(tail -n 3 "$work/dkms.log" | tr '\n' ' ')"
		else
			pass dkms/add
			dkms_kernels "$tver"
			dkms remove -m pciassign -v "$tver" --all >>"$work/dkms.log" 2>&1
			dkms_gone "$tver" "dkms remove"
		fi
	fi
	dkms_direct_clean
	trap - EXIT
}

# ---- Debian packages ----------------------------------------------------------
debout=$PCIASSIGN_BUILD/deb
arch=$(dpkg --print-architecture)
ddeb=$debout/pciassign-dkms_${ver}_all.deb
tdeb=$debout/pciassign-tools_${ver}_${arch}.deb
ldeb=$debout/libpciassign0_${ver}_${arch}.deb
devdeb=$debout/libpciassign-dev_${ver}_${arch}.deb
changes=$debout/pciassign_${ver}_${arch}.changes
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
debs_ok=
if ! out=$(PCIASSIGN_BUILD=$PCIASSIGN_BUILD DEB_BUILD_OPTIONS="noautodbgsym ${DEB_BUILD_OPTIONS:-}" \
		make -s -C "$src" deb 2>&1); then
	fail deb/build "make deb failed: $(echo "$out" | tail -n 5 | tr '\n' ' ')"
elif [ ! -f "$ddeb" ] || [ ! -f "$tdeb" ] || [ ! -f "$ldeb" ] || [ ! -f "$devdeb" ]; then
	fail deb/build "expected $ddeb, $tdeb, $ldeb and $devdeb; got: $(find "$debout" -maxdepth 1 -name '*.deb' | tr '\n' ' ')"
else
	# pkg_has DEB TAG FILE...: every FILE is in DEB (missing+=TAG:FILE).
	pkg_has() {
		local deb=$1 tag=$2 list f
		shift 2
		list=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
		for f in "$@"; do
			grep -qxF "$f" <<<"$list" || missing+=("$tag:$f")
		done
	}
	missing=()
	pkg_has "$ddeb" dkms "/usr/src/pciassign-$ver/dkms.conf" "/usr/src/pciassign-$ver/VERSION" \
		"/usr/src/pciassign-$ver/kmod/Kbuild" "/usr/src/pciassign-$ver/kmod/main.c" \
		"/usr/src/pciassign-$ver/uapi/linux/pciassign.h"
	pkg_has "$ldeb" lib "/usr/lib/$multiarch/libpciassign.so.0"
	pkg_has "$devdeb" dev "/usr/lib/$multiarch/libpciassign.so" "/usr/lib/$multiarch/libpciassign.a" \
		"/usr/lib/$multiarch/pkgconfig/libpciassign.pc" /usr/include/pciassign/libpciassign.h \
		/usr/include/pciassign/linux/pciassign.h /usr/include/pciassign/linux/pciassign_netlink.h \
		/usr/share/man/man3/libpciassign.3.gz
	pkg_has "$tdeb" tools /usr/sbin/pciassign /usr/bin/pciassign-vmm \
		/usr/share/man/man8/pciassign.8.gz /usr/share/man/man1/pciassign-vmm.1.gz \
		/lib/udev/rules.d/60-pciassign.rules /etc/modprobe.d/pciassign.conf \
		/lib/udev/rules.d/61-pciassign-persistent.rules \
		/usr/share/bash-completion/completions/pciassign \
		/usr/share/doc/pciassign-tools/examples/modules-load.d-pciassign.conf \
		/usr/share/doc/pciassign-tools/examples/pciassign-vmm-memlock.conf
	# Each file in exactly one package, the library's only in the library's.
	dup=$(for d in "$ddeb" "$tdeb" "$ldeb" "$devdeb"; do dpkg-deb -c "$d" | awk '$1 !~ /^d/ {print $6}'; done |
		grep -v '^\./usr/share/doc/' | sort | uniq -d | tr '\n' ' ')
	stray=$(dpkg-deb -c "$tdeb" | awk '{print $6}' | grep -E 'libpciassign|/include/' | tr '\n' ' ')
	if [ ${#missing[@]} -gt 0 ]; then
		fail deb/build "missing from the packages: ${missing[*]}"
	elif [ -n "$dup" ]; then
		fail deb/build "in more than one package: $dup"
	elif [ -n "$stray" ]; then
		fail deb/build "pciassign-tools holds library files: $stray"
	elif ! dpkg-deb -f "$ddeb" Depends | grep dkms >/dev/null; then
		fail deb/build "pciassign-dkms does not depend on dkms"
	elif [ "$(dpkg-deb -f "$devdeb" Multi-Arch)" != same ] || [ "$(dpkg-deb -f "$ldeb" Multi-Arch)" != same ]; then
		fail deb/build "libpciassign0 and libpciassign-dev must be Multi-Arch: same"
	elif ! dpkg-deb -f "$devdeb" Depends | grep -q "libpciassign0 (= $ver)"; then
		fail deb/build "libpciassign-dev does not depend on libpciassign0 (= $ver): $(dpkg-deb -f "$devdeb" Depends)"
	elif ! dpkg-deb --ctrl-tarfile "$ldeb" | tar -tf - | grep -qx './symbols'; then
		fail deb/build "libpciassign0 has no symbols control file"
	else
		pass deb/build
		debs_ok=1
		for d in "$ddeb" "$tdeb" "$ldeb" "$devdeb"; do echo "    $d"; done
	fi
fi

# lintian, as a packager runs it (Debian 12's lintian 2.116): every tag,
# down to pedantic, info and experimental, on the source and binary
# packages; any that debian/*lintian-overrides does not override fails.
if [ -f "$changes" ] && ! command -v lintian >/dev/null && is_root; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends lintian \
		>"$work/lintian-install.log" 2>&1 ||
		echo "    apt-get install lintian failed (log: $work/lintian-install.log)"
fi
if [ ! -f "$changes" ]; then
	fail deb/lintian "no $changes to check (make deb failed)"
elif ! command -v lintian >/dev/null; then
	skip deb/lintian "lintian is not installed and this is not root: apt-get install lintian"
else
	lintian -EviIL +pedantic --tag-display-limit 0 "$changes" >"$work/lintian.log" 2>&1
	lrc=$?
	lint=$(grep -E '^[EWIPX]: ' "$work/lintian.log")
	if [ -n "$lint" ]; then
		fail deb/lintian "$(wc -l <<<"$lint") tag(s): $(cut -d' ' -f2- <<<"$lint" | head -n 10 | tr '\n' ';')"
		sed 's/^/    /' <<<"$lint"
	elif [ "$lrc" -ne 0 ]; then
		fail deb/lintian "lintian exited $lrc: $(tail -n 3 "$work/lintian.log" | tr '\n' ' ')"
	else
		pass deb/lintian
		echo "    $(lintian --version): no tags on $(grep -c '\.deb$' <<<"$(sed -n '/^Files:/,$p' "$changes")") packages and the source"
	fi
fi

# dpkg with a retry while another apt/dpkg holds the lock.
dpkg_retry() {
	local out
	for _ in $(seq 1 30); do
		out=$(dpkg "$@" 2>&1) && { echo "$out"; return 0; }
		grep -qi 'lock' <<<"$out" || { echo "$out"; return 1; }
		sleep 2
	done
	echo "$out"
	return 1
}

if ! is_root; then
	skip dkms "needs root"
	skip deb/install "needs root"
	exit $((failures > 0))
fi

if [ -z "$debs_ok" ] || [ -n "${PKGTEST_DIRECT_DKMS:-}" ]; then
	dkms_direct
fi
[ -n "$debs_ok" ] || exit $((failures > 0))

ilog=$work/dpkg.log
# A previous run's packages, if any, go first.
dpkg_retry -P pciassign-tools libpciassign-dev libpciassign0 pciassign-dkms >/dev/null 2>&1
if ! dpkg_retry -i "$ddeb" "$ldeb" "$devdeb" "$tdeb" >"$ilog" 2>&1; then
	fail deb/install "dpkg -i failed: $(tail -n 5 "$ilog" | tr '\n' ' ')"
else
	st=$(dkms status -m pciassign -v "$ver" 2>/dev/null)
	if [ -n "$st" ]; then
		pass dkms/add
	else
		fail dkms/add "pciassign-dkms's postinst did not add pciassign/$ver to dkms"
	fi
	# postinst builds for the running kernel and the newest one (or every
	# kernel when the running one is not installed, as in a container).
	built=$(grep -E "($abi61|$abi612).*: installed" <<<"$st")
	vout=$(/usr/sbin/pciassign version 2>"$work/version.err")
	vrc=$?
	verr=$(cat "$work/version.err")
	if [ -z "$built" ]; then
		fail deb/install "dkms status shows no installed build for $abi61 or $abi612: '$st'"
	elif [ "$(head -n 1 <<<"$vout")" != "pciassign tools $ver" ]; then
		fail deb/install "/usr/sbin/pciassign version printed '$vout'"
	elif [ -e /sys/module/pciassign ] && [ $vrc -ne 0 ]; then
		fail deb/install "pciassign version exits $vrc with the module loaded: $verr"
	elif [ ! -e /sys/module/pciassign ] &&
	     { [ $vrc -ne 0 ] || [[ $vout != *"module: not loaded"* ]]; }; then
		# Without the module: the tools' version, exit 0 (pciassign(8)).
		fail deb/install "without the module, pciassign version exits $vrc saying '$vout' '$verr'"
	elif ! out=$(cc -o "$work/pcdeb" "$work/pcuser.c" $(pkg-config --cflags --libs libpciassign) 2>&1) ||
	     [ "$("$work/pcdeb")" != 0000:0a:1f.7 ]; then
		fail deb/install "a program does not build and run against libpciassign-dev: $out"
	elif ! dpkg-query -W -f='${Conffiles}' pciassign-tools | grep /etc/modprobe.d/pciassign.conf >/dev/null; then
		fail deb/install "/etc/modprobe.d/pciassign.conf is not a conffile"
	else
		pass deb/install
		echo "    dkms status after dpkg -i: $(tr '\n' ';' <<<"$st")"
		echo "    pciassign version: $(tr '\n' ';' <<<"$vout") $verr (exit $vrc)"
	fi
	# Both rig kernels (whatever postinst left out is built here).
	dkms_kernels "$ver"
fi
# Removal: the tools' files, the dkms module and its builds go; a binding
# saved by "bind --persistent" (the administrator's) stays until purge.
# No such function here: the saved one is never applied.
pbind=/etc/pciassign/bind.d/0000:ff:1f.7
if [ -x /usr/sbin/pciassign ] && [ ! -e /etc/pciassign ]; then
	mkdir -p /etc/pciassign/bind.d && echo "device 1234:5678" >"$pbind"
fi
dpkg_retry -r pciassign-tools libpciassign-dev libpciassign0 pciassign-dkms >>"$ilog" 2>&1
left=$(ls -d /usr/sbin/pciassign "/usr/lib/$multiarch/libpciassign.so.0" /usr/include/pciassign \
	/lib/udev/rules.d/60-pciassign.rules /lib/udev/rules.d/61-pciassign-persistent.rules \
	"/usr/src/pciassign-$ver" 2>/dev/null | tr '\n' ' ')
if [ -e /etc/pciassign ] && [ ! -e "$pbind" ]; then
	fail deb/remove "dpkg -r removed the saved bindings under /etc/pciassign (only purge may)"
elif dkms_gone "$ver" "dpkg -r" && [ -z "$left" ]; then
	dpkg_retry -P pciassign-tools libpciassign-dev libpciassign0 pciassign-dkms >>"$ilog" 2>&1
	if [ -e /etc/modprobe.d/pciassign.conf ]; then
		fail deb/remove "dpkg -P left /etc/modprobe.d/pciassign.conf"
	elif [ -e /etc/pciassign ]; then
		fail deb/remove "dpkg -P left /etc/pciassign"
	elif dpkg-query -W -f='${db:Status-Abbrev}\n' pciassign-tools libpciassign-dev libpciassign0 pciassign-dkms 2>/dev/null | grep -v '^un' >/dev/null; then
		fail deb/remove "dpkg still knows the packages after dpkg -P"
	else
		pass deb/remove
	fi
else
	fail deb/remove "after dpkg -r: left $left"
	dpkg_retry -P pciassign-tools libpciassign-dev libpciassign0 pciassign-dkms >>"$ilog" 2>&1
fi

exit $((failures > 0))
