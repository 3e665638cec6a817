#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: packaging/check-doc-paths.sh ROOT
# Fails when an installed manual page under ROOT (ROOT/usr/share/man,
# ROOT/usr/local/share/man; gzip-compressed or not) names a document
# (.Pa) that a user of the installed page cannot open: a path of the source
# tree (docs/...), or a path under /share/doc/ that is not in ROOT exactly
# as named (a compressed holder.md.gz is not holder.md).  ROOT is an
# installed system (/) or a tree the packages were unpacked into.  The
# distribution packaging legs run it on what their packages install.
set -eu
[ $# -eq 1 ] || { echo "usage: packaging/check-doc-paths.sh ROOT" >&2; exit 2; }
root=${1%/}
pages=0 named=0 bad=0
for page in "$root"/usr/share/man/man*/* "$root"/usr/local/share/man/man*/*; do
	[ -f "$page" ] || continue
	pages=$((pages + 1))
	case $page in
	*.gz) text=$(gzip -dc "$page") ;;
	*) text=$(cat "$page") ;;
	esac
	for path in $(printf '%s\n' "$text" | sed -n 's/^\.Pa  *\([^ ]*\).*/\1/p'); do
		case $path in
		docs/*)
			echo "check-doc-paths: ${page#"$root"} names $path, a path of the source tree"
			bad=$((bad + 1)) ;;
		*/share/doc/*)
			named=$((named + 1))
			if [ -e "$root$path" ]; then
				echo "check-doc-paths: ${page#"$root"}: $path is installed"
			else
				echo "check-doc-paths: ${page#"$root"} names $path, which is not installed"
				bad=$((bad + 1))
			fi ;;
		esac
	done
done
if [ "$pages" -eq 0 ]; then
	echo "check-doc-paths: no manual page under $root/usr/share/man"
	exit 1
fi
[ "$bad" -eq 0 ] || exit 1
echo "check-doc-paths: $pages manual pages, $named document paths named, all installed"
