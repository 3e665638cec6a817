#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: ci/linux/readme-cross.sh
# The README's "Cross-compiling" recipe, as written: the packages its first
# sh block names are installed (apt_install, as every leg does: no apt-get
# update when nothing is missing), and every command line of its second
# block runs in the checkout, in order, the first failure failing the leg.
# Run by the linux-aarch64 leg, so the README cannot drift from what builds
# and runs here.
set -eu
. "$(dirname "$0")/../lib.sh"

readme="$FDPASS_ROOT/README.md"
work="$FDPASS_ROOT/build/ci/readme-cross"
mkdir -p "$work"
# The sh blocks of the section, one file each: block1, block2.
awk -v dir="$work" '
	/^## / { insec = ($0 == "## Cross-compiling") }
	insec && /^```sh$/ { n++; inblock = 1; f = dir "/block" n; printf "" >f; next }
	inblock && /^```/ { inblock = 0; next }
	inblock && NF && $1 !~ /^#/ { print >>f }' "$readme"
for b in block1 block2; do
	if [ ! -s "$work/$b" ]; then
		echo "readme-cross: README.md's Cross-compiling section lacks its $b" >&2
		exit 1
	fi
done

# The first block: dpkg --add-architecture ARCH ... apt-get install -y PKG...
arch=$(sed -n 's/.*dpkg --add-architecture \([a-z0-9]*\).*/\1/p' "$work/block1")
pkgs=$(sed -n 's/.*apt-get install -y //p' "$work/block1")
if [ -z "$arch" ] || [ -z "$pkgs" ]; then
	echo "readme-cross: no dpkg --add-architecture / apt-get install -y in:" >&2
	cat "$work/block1" >&2
	exit 1
fi
add_architecture "$arch"
# shellcheck disable=SC2086
apt_install $pkgs

# A fresh start: the build directories the commands name (-B DIR) go first.
for d in $(sed -n 's/.* -B \([^ ]*\).*/\1/p' "$work/block2"); do
	case $d in
	build/*) rm -rf "${FDPASS_ROOT:?}/$d" ;;
	*) echo "readme-cross: $d is not under build/" >&2; exit 1 ;;
	esac
done
count=$(wc -l <"$work/block2")
i=1
while [ "$i" -le "$count" ]; do
	cmd=$(sed -n "${i}p" "$work/block2")
	echo "--- README cross command $i of $count: $cmd"
	# A bounded wait: a command that hangs under qemu fails instead.
	if (cd "$FDPASS_ROOT" && timeout 900 sh -ec "$cmd"); then
		echo "--- README cross command $i: ok"
	else
		echo "--- README cross command $i: FAILED (exit $?)"
		exit 1
	fi
	i=$((i + 1))
done
echo "readme-cross: the README's $count cross-compiling commands passed"
