#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: ci/fresh-debian/run.sh fresh-debian
# The README's quick-start commands, exactly as written, run as root in a
# brand-new Debian bookworm root (mmdebstrap --variant=apt: the Essential
# packages and apt, nothing else) on a clean clone of the committed tree, so
# a tool that only the CI machine happens to have (make, say) fails here.
# The root comes from a cached tarball, rebuilt weekly and never written
# after; every run unpacks a fresh copy and throws it away (ci/lib-root.sh).
set -eu
. "$(dirname "$0")/../lib.sh"

leg=$1
if [ "$leg" != fresh-debian ]; then
	echo "ci/fresh-debian/run.sh: unknown leg '$leg'" >&2
	exit 2
fi
# mmdebstrap, mount and chroot need root.
[ "$(id -u)" -eq 0 ] || exec sudo "$0" "$@"
apt_install git
. "$(dirname "$0")/../lib-root.sh"

work=$FDPASS_ROOT/build/ci/$leg
clone=/root/libfdpass
# The root at $root; any failure of the README's commands from here on is
# the project's: a FAIL.
root_setup fresh-debian "$work"

# The committed tree only: no uncommitted or untracked file leaks in.
sha=$(git -C "$FDPASS_ROOT" rev-parse HEAD)
if [ -n "$(git -C "$FDPASS_ROOT" status --porcelain)" ]; then
	echo "fresh-debian: note: uncommitted changes are not tested, only HEAD"
fi
git clone -q --no-hardlinks --no-checkout "$FDPASS_ROOT" "$root$clone"
git -C "$root$clone" checkout -q --detach "$sha"
echo "fresh-debian: clean clone of $(git -C "$root$clone" log --oneline -1)"

# The README's quick start: the command lines of its first sh block.
awk '/^```sh$/ && !done { inblock = 1; next }
	inblock && /^```/ { inblock = 0; done = 1 }
	inblock && NF && $1 !~ /^#/' "$root$clone/README.md" >"$work/commands"
count=$(wc -l <"$work/commands")
if [ "$count" -eq 0 ]; then
	echo "fresh-debian: no command in README.md's first sh block" >&2
	exit 1
fi

# Each as root, as a login shell on a new machine would: the root's own
# PATH, no proxy or other variable from this machine, not the lock's fd.
i=1
while [ "$i" -le "$count" ]; do
	cmd=$(sed -n "${i}p" "$work/commands")
	echo "--- README command $i of $count: $cmd"
	start=$(date +%s)
	if root_run "cd $clone && $cmd"; then
		echo "--- README command $i: ok ($(($(date +%s) - start))s)"
	else
		rc=$?
		echo "--- README command $i: FAILED (exit $rc, $(($(date +%s) - start))s)"
		exit 1
	fi
	i=$((i + 1))
done
echo "fresh-debian: the README's $count commands passed as root in a fresh bookworm root"

# Setup starts no service: ci/setup-debian.sh installed lighttpd, whose
# package would start a web server on port 80 (in a chroot, through
# /etc/init.d: on this machine's network).  No lighttpd runs in the root,
# none is enabled for boot, and the temporary policy-rc.d is gone.
bad=0
for p in /proc/[0-9]*; do
	[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] || continue
	if [ "$(cat "$p/comm" 2>/dev/null)" = lighttpd ]; then
		echo "fresh-debian: a lighttpd runs after setup: pid ${p#/proc/}" >&2
		bad=1
	fi
done
for f in "$root"/etc/rc[2-5].d/S*lighttpd \
    "$root"/etc/systemd/system/multi-user.target.wants/lighttpd.service \
    "$root"/usr/sbin/policy-rc.d; do
	if [ -e "$f" ] || [ -L "$f" ]; then
		echo "fresh-debian: left by setup: ${f#"$root"}" >&2
		bad=1
	fi
done
[ "$bad" -eq 0 ] || exit 1
echo "fresh-debian: no service started or enabled by setup"
