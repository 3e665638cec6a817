#!/bin/sh
# SPDX-License-Identifier: ISC
# Every manual page in DIR (*.1 to *.9) must be lint-clean, with nothing at
# all printed by `mandoc -Tlint -Wwarning`, and render to non-empty text;
# where groff is installed (man -l uses it on Debian), `groff -mandoc -ww -z`
# must print nothing either.
#
#   man-lint.sh MANDOC DIR
set -u
mandoc=$1 dir=$2
status=0 n=0
groff=$(command -v groff || true)
for page in "$dir"/*.[1-9]; do
	[ -f "$page" ] || continue
	n=$((n + 1))
	if ! lint=$("$mandoc" -Tlint -Wwarning "$page" 2>&1) ||
	    [ -n "$lint" ]; then
		printf '%s: mandoc -Tlint -Wwarning:\n%s\n' "$page" "$lint"
		status=1
	fi
	if [ -z "$("$mandoc" -Tascii "$page" 2>/dev/null | tr -d ' \n')" ]; then
		echo "$page: renders as nothing"
		status=1
	fi
	if [ -n "$groff" ]; then
		warn=$("$groff" -mandoc -ww -z "$page" 2>&1)
		if [ -n "$warn" ]; then
			printf '%s: groff -mandoc -ww -z:\n%s\n' "$page" "$warn"
			status=1
		fi
	fi
done
if [ "$n" -eq 0 ]; then
	echo "no manual pages in $dir"
	exit 1
fi
[ "$status" -eq 0 ] && echo "$n manual pages lint-clean${groff:+ (mandoc and groff)}"
exit "$status"
