#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: without_proc.sh COMMAND [ARG...]
# Runs COMMAND (Linux) with an empty /proc, as on a system without procfs:
# in a private mount namespace with a tmpfs over /proc.  Where no mount
# namespace can be made (no unshare(1), no permission) it prints
# "SKIPPED: ..." and exits 0, for the test to be counted as skipped.
set -u
hide_proc='mount -t tmpfs none /proc || exit 125; exec "$@"'
for how in "--mount --propagation private" "--user --map-root-user --mount"; do
	# shellcheck disable=SC2086
	if unshare $how true 2>/dev/null; then
		# shellcheck disable=SC2086
		exec unshare $how sh -c "$hide_proc" sh "$@"
	fi
done
echo "SKIPPED: no mount namespace to hide /proc in (unshare(1) missing or not permitted)"
exit 0
