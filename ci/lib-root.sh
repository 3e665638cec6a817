# SPDX-License-Identifier: ISC
# shellcheck shell=sh
# Sourced after ci/lib.sh by the legs that work in a brand-new Debian
# bookworm root (mmdebstrap --variant=apt: the Essential packages and apt,
# nothing else), as root: ci/fresh-debian, ci/debian.
#   root_setup NAME WORK   the root at WORK/root: a fresh copy of the cached
#                          root in a tmpfs, /dev, /sys, /proc mounted in it;
#                          sets $root.  Unmounted and deleted on every exit.
#                          No mirror to set it up: exit $CI_SKIP.
#   root_run CMD           CMD run by bash -lc as root in it, as a login
#                          shell on a new machine would: the root's own PATH,
#                          no variable from this machine.
# The root comes from a cached tarball (XDG_CACHE_HOME or ~/.cache,
# libfdpass/), rebuilt weekly and never written after.  Needs root: a
# script calls it after `[ "$(id -u)" -eq 0 ] || exec sudo "$0" "$@"`.

# Unmounts the root (a tmpfs, and /dev, /sys, /proc in it) on every exit:
# never a mount left behind, never a delete across a mount.
root_cleanup() {
	# shellcheck disable=SC2319,SC2320 # the status the script is exiting with
	rc=$?
	trap - EXIT
	for m in "$root" "$root/dev" "$root/sys" "$root/proc"; do
		mountpoint -q "$m" 2>/dev/null || continue
		umount -R "$m" 2>/dev/null || umount -R -l "$m" || true
	done
	if findmnt -rn -o TARGET | grep -Eq "^$root(/|\$)"; then
		echo "$root_name: still mounted under $root, not deleted" >&2
		[ "$rc" -eq 0 ] && rc=1
	else
		rm -rf --one-file-system "$root"
	fi
	exit "$rc"
}

root_mirror_reachable() {
	rm -f "$root_work/InRelease"
	/usr/lib/apt/apt-helper download-file "${root_mirror}dists/bookworm/InRelease" \
		"$root_work/InRelease" >/dev/null 2>&1
}

root_setup() {
	root_name=$1 root_work=$2
	root=$root_work/root
	apt_install mmdebstrap
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/libfdpass
	mkdir -p "$cache" "$root_work"
	# One run at a time: a second one would unmount and delete the first's root.
	exec 9>"$root_work/lock"
	if ! flock -n 9; then
		echo "$root_name: another run holds $root_work/lock" >&2
		exit 1
	fi
	trap root_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	if [ -e "$root" ]; then
		# A root left by a run killed with SIGKILL.
		echo "$root_name: removing the root of a killed run"
		(root_cleanup) || exit 1
	fi

	# The host's own Debian sources (one-line or deb822 alike), bookworm suites.
	# shellcheck disable=SC2016 # apt's $(FIELD)s, not the shell's
	sources=$(apt-get indextargets --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(COMPONENT)' |
		awk '$1 == "deb" && $3 ~ /^bookworm/ {
			k = $2 " " $3
			if (!(k in c)) { order[n++] = k; c[k] = $4 }
			else if (index(" " c[k] " ", " " $4 " ") == 0) c[k] = c[k] " " $4
		} END { for (i = 0; i < n; i++) print "deb " order[i] " " c[order[i]] }')
	if [ -z "$sources" ]; then
		echo "$root_name: no bookworm sources in this machine's apt configuration" >&2
		exit 1
	fi
	root_mirror=$(printf '%s\n' "$sources" | awk '$3 == "bookworm" {print $2; exit}')
	key=$(printf '%s\n' "$sources" | sha256sum | cut -c1-8)

	# Without the mirror there is no fresh machine to set up: that is a SKIP.
	if ! root_mirror_reachable; then
		echo "ci: SKIP: the Debian mirror ($root_mirror) cannot be reached to build and set up the root" >&2
		exit "$CI_SKIP"
	fi

	# Reuses a root younger than 7 days made from the same sources, else makes
	# one: into a temporary name first, so the cache never holds a partial root.
	tarball=$(find "$cache" -maxdepth 1 -name "bookworm-apt-*-$key.tar" -mtime -7 |
		sort | tail -n 1)
	if [ -n "$tarball" ]; then
		echo "$root_name: cached root $(basename "$tarball")"
	else
		tarball=$cache/bookworm-apt-$(date -u +%Y%m%d)-$key.tar
		echo "$root_name: building $(basename "$tarball") with mmdebstrap --variant=apt from:"
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
			    >"$root_work/mmdebstrap.log" 2>&1; then
				ok=1; break
			fi
			echo "$root_name: mmdebstrap failed (try $try)"; sleep 5
		done
		if [ "$ok" -eq 0 ]; then
			rm -f "$tmp"
			tail -n 20 "$root_work/mmdebstrap.log"
			why=$(grep -E -m1 'Failed to fetch|Hash Sum mismatch|Could not resolve|Unable to connect|Temporary failure|Connection failed' \
				"$root_work/mmdebstrap.log" || true)
			if [ -n "$why" ] || ! root_mirror_reachable; then
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
	mount -t tmpfs -o size=4g,mode=755 "$root_name" "$root"
	tar -C "$root" --numeric-owner -xpf "$tarball"
	mount -t proc proc "$root/proc"
	mount --rbind /sys "$root/sys"
	mount --make-rslave "$root/sys"
	mount --rbind /dev "$root/dev"
	mount --make-rslave "$root/dev"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf"
}

root_run() {
	env -i HOME=/root TERM=dumb \
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    chroot "$root" /bin/bash -lc "$1" </dev/null 9>&-
}
