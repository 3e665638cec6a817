#!/bin/sh
# SPDX-License-Identifier: ISC
# One documentation test: takes code block INDEX out of FILE (doc-blocks.awk),
# compiles it with the build's compiler, flags and warnings against the
# built library, and runs it, under RUNNER if one is given (emulator,
# valgrind); the program must exit 0.  A compile-only block is not run.
#
#   run-block.sh FILE INDEX COUNT OUTDIR CC "CFLAGS" "LIBS" ["RUNNER"]
#
# COUNT is how many blocks FILE had when cmake ran: another count means
# the tests no longer match the document, and cmake must run again.
set -u
here=$(dirname "$0")
file=$1 index=$2 count=$3 out=$4 cc=$5 cflags=$6 libs=$7 runner=${8:-}

listing=$(awk -f "$here/doc-blocks.awk" "$file") || exit 1
now=$(printf '%s\n' "$listing" | awk 'NF { n++ } END { print n + 0 }')
if [ "$now" -ne "$count" ]; then
	echo "$file has $now code blocks, $count when cmake ran: run cmake again" >&2
	exit 1
fi
read -r _ mode line <<EOF
$(printf '%s\n' "$listing" | awk -v i="$index" '$1 == i')
EOF

name=$(basename "$file")_$index
mkdir -p "$out" || exit 1
awk -v want="$index" -f "$here/doc-blocks.awk" "$file" >"$out/$name.c" ||
	exit 1
echo "$file:$line: code block $index ($mode), as $out/$name.c"
# shellcheck disable=SC2086 # the flag strings are word lists
$cc $cflags -o "$out/$name" "$out/$name.c" $libs || exit 1
if [ "$mode" = compile ]; then
	echo "compiled; marked compile-only, not run"
	exit 0
fi
# shellcheck disable=SC2086
$runner "$out/$name"
rc=$?
[ "$rc" -eq 0 ] || echo "$name exited with status $rc" >&2
exit "$rc"
