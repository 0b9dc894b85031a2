#!/bin/sh
# check_layout.sh MASTER_OBJ_DIR SESSION_OBJ_DIR
#
# The build's check of the trust boundary: code in daemon/master/ (the
# privileged master) must not call or use anything defined in
# daemon/session/ (the code that handles client bytes), and the reverse.
# What both use lives in common/ and sandbox/.  Fails, naming each
# crossing, when an object of one side has an undefined symbol that an
# object of the other side defines.
set -eu
master=$1
session=$2

defined() {
	nm --defined-only -g "$1"/*.o | awk 'NF == 3 { print $3 }' | sort -u
}
undefined() {
	for o in "$1"/*.o; do
		nm --undefined-only "$o" | awk -v f="$(basename "$o")" \
			'{ print $NF, f }'
	done | sort -u
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
defined "$master" > "$tmp/master.def"
defined "$session" > "$tmp/session.def"
undefined "$master" > "$tmp/master.undef"
undefined "$session" > "$tmp/session.undef"

bad=0
# join on the symbol: "SYMBOL OBJECT" lines against the other side's list
join "$tmp/master.undef" "$tmp/session.def" > "$tmp/m2s" || true
join "$tmp/session.undef" "$tmp/master.def" > "$tmp/s2m" || true
if [ -s "$tmp/m2s" ]; then
	echo "layout: daemon/master/ uses symbols of daemon/session/:" >&2
	sed 's/^\([^ ]*\) \(.*\)/  \2 uses \1/' "$tmp/m2s" >&2
	bad=1
fi
if [ -s "$tmp/s2m" ]; then
	echo "layout: daemon/session/ uses symbols of daemon/master/:" >&2
	sed 's/^\([^ ]*\) \(.*\)/  \2 uses \1/' "$tmp/s2m" >&2
	bad=1
fi
[ "$bad" = 0 ] && echo "layout: master and session objects share no symbols"
exit "$bad"
