#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: ci/fresh-debian/run.sh fresh-debian
# The README's quick-start commands, exactly as written, run as root in a
# brand-new Debian bookworm root (mmdebstrap --variant=apt: the Essential
# packages and apt, nothing else) on a clean clone of the committed tree, so
# a tool that only the CI machine happens to have (make, say) fails here.
# The root comes from a cached tarball, rebuilt weekly and never written
# after; every run unpacks a fresh copy and throws it away.
set -eu
. "$(dirname "$0")/../lib.sh"

leg=$1
if [ "$leg" != fresh-debian ]; then
	echo "ci/fresh-debian/run.sh: unknown leg '$leg'" >&2
	exit 2
fi
# mmdebstrap, mount and chroot need root.
[ "$(id -u)" -eq 0 ] || exec sudo "$0" "$@"
apt_install mmdebstrap git

cache=${XDG_CACHE_HOME:-$HOME/.cache}/libfdpass
work=$FDPASS_ROOT/build/ci/$leg
root=$work/root
clone=/root/libfdpass
mkdir -p "$cache" "$work"
# One run at a time: a second one would unmount and delete the first's root.
exec 9>"$work/lock"
if ! flock -n 9; then
	echo "fresh-debian: another run holds $work/lock" >&2
	exit 1
fi

# Unmounts the root (a tmpfs, and /dev, /sys, /proc in it) on every exit:
# never a mount left behind, never a delete across a mount.
cleanup() {
	# shellcheck disable=SC2319 # the status the script is exiting with
	rc=$?
	trap - EXIT
	for m in "$root" "$root/dev" "$root/sys" "$root/proc"; do
		mountpoint -q "$m" 2>/dev/null || continue
		umount -R "$m" 2>/dev/null || umount -R -l "$m" || true
	done
	if findmnt -rn -o TARGET | grep -Eq "^$root(/|\$)"; then
		echo "fresh-debian: still mounted under $root, not deleted" >&2
		[ "$rc" -eq 0 ] && rc=1
	else
		rm -rf --one-file-system "$root"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
cleanup_stale() {
	# A root left by a run killed with SIGKILL.
	[ -e "$root" ] || return 0
	echo "fresh-debian: removing the root of a killed run"
	(cleanup) || exit 1
}
cleanup_stale

# The host's own Debian sources (one-line or deb822 alike), bookworm suites.
# shellcheck disable=SC2016 # apt's $(FIELD)s, not the shell's
sources=$(apt-get indextargets --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(COMPONENT)' |
	awk '$1 == "deb" && $3 ~ /^bookworm/ {
		k = $2 " " $3
		if (!(k in c)) { order[n++] = k; c[k] = $4 }
		else if (index(" " c[k] " ", " " $4 " ") == 0) c[k] = c[k] " " $4
	} END { for (i = 0; i < n; i++) print "deb " order[i] " " c[order[i]] }')
if [ -z "$sources" ]; then
	echo "fresh-debian: no bookworm sources in this machine's apt configuration" >&2
	exit 1
fi
mirror=$(printf '%s\n' "$sources" | awk '$3 == "bookworm" {print $2; exit}')
key=$(printf '%s\n' "$sources" | sha256sum | cut -c1-8)

mirror_reachable() {
	rm -f "$work/InRelease"
	/usr/lib/apt/apt-helper download-file "${mirror}dists/bookworm/InRelease" \
		"$work/InRelease" >/dev/null 2>&1
}
# Without the mirror there is no fresh machine to set up: that is a SKIP.
# With it, any failure of the README's commands is the project's: a FAIL.
if ! mirror_reachable; then
	echo "ci: SKIP: the Debian mirror ($mirror) cannot be reached to build and set up the root" >&2
	exit "$CI_SKIP"
fi

# Reuses a root younger than 7 days made from the same sources, else makes
# one: into a temporary name first, so the cache never holds a partial root.
tarball=$(find "$cache" -maxdepth 1 -name "bookworm-apt-*-$key.tar" -mtime -7 |
	sort | tail -n 1)
if [ -n "$tarball" ]; then
	echo "fresh-debian: cached root $(basename "$tarball")"
else
	tarball=$cache/bookworm-apt-$(date -u +%Y%m%d)-$key.tar
	echo "fresh-debian: building $(basename "$tarball") with mmdebstrap --variant=apt from:"
	printf '%s\n' "$sources" | sed 's/^/    /'
	tmp=$cache/.building.$$.tar
	set -f; ifs=$IFS; IFS='
'
	# shellcheck disable=SC2086
	set -- $sources	# one argument a line
	set +f; IFS=$ifs
	ok=0
	for try in 1 2; do
		if mmdebstrap --variant=apt bookworm "$tmp" "$@" \
		    >"$work/mmdebstrap.log" 2>&1; then
			ok=1; break
		fi
		echo "fresh-debian: mmdebstrap failed (try $try)"; sleep 5
	done
	if [ "$ok" -eq 0 ]; then
		rm -f "$tmp"
		tail -n 20 "$work/mmdebstrap.log"
		why=$(grep -E -m1 'Failed to fetch|Hash Sum mismatch|Could not resolve|Unable to connect|Temporary failure|Connection failed' \
			"$work/mmdebstrap.log" || true)
		if [ -n "$why" ] || ! mirror_reachable; then
			echo "ci: SKIP: the Debian mirror failed while building the root: ${why:-unreachable}" >&2
			exit "$CI_SKIP"
		fi
		exit 1
	fi
	mv "$tmp" "$tarball"
	find "$cache" -maxdepth 1 -name 'bookworm-apt-*.tar' ! -path "$tarball" -delete
fi

# A fresh copy of the root with the kernel file systems a machine has; the
# binds are slaves so that unmounting them never reaches the host's /dev.
# The root is a tmpfs: quick to fill, and gone at once when unmounted.
mkdir -p "$root"
mount -t tmpfs -o size=4g,mode=755 fresh-debian "$root"
tar -C "$root" --numeric-owner -xpf "$tarball"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --make-rslave "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"

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
	if env -i HOME=/root TERM=dumb \
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    chroot "$root" /bin/bash -lc "cd $clone && $cmd" </dev/null 9>&-; then
		echo "--- README command $i: ok ($(($(date +%s) - start))s)"
	else
		rc=$?
		echo "--- README command $i: FAILED (exit $rc, $(($(date +%s) - start))s)"
		exit 1
	fi
	i=$((i + 1))
done
echo "fresh-debian: the README's $count commands passed as root in a fresh bookworm root"
