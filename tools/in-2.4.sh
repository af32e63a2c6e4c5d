#!/bin/sh
# in-2.4.sh CMD [ARGS...]: runs CMD in the Debian 13 chroot that
# tools/setup-2.4.sh builds, with this source tree bind-mounted at the
# same path and CMD started there (build against 2.4 in build-2.4/).
# --root: run from / without the source tree (setup-2.4.sh's apt runs).
#
# Everything is mounted in a private mount namespace (unshare -m), so
# /proc, /dev, /dev/pts and the source tree vanish with CMD even if it is
# killed; the trap unmounts them explicitly as well.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
ROOT=${RETRIEVE_CHROOT:-/var/cache/dovecot-retrieve/trixie}
[ -e "$ROOT/.debootstrap-done" ] || {
	echo "in-2.4: no chroot in $ROOT (run tools/setup-2.4.sh)" >&2
	exit 1
}
if [ -z "${RETRIEVE_IN_NS:-}" ]; then
	RETRIEVE_IN_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
if [ "${1:-}" = "--root" ]; then
	shift
	TOP=
fi
[ $# -gt 0 ] || set -- bash

cleanup() {
	for m in ${TOP:+"$ROOT$TOP"} "$ROOT/dev/pts" "$ROOT/dev" "$ROOT/proc"; do
		if mountpoint -q "$m" 2>/dev/null; then umount -l "$m"; fi
	done
	return 0
}
trap cleanup EXIT INT TERM

mount -t proc proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$ROOT/dev/pts"
if [ -n "$TOP" ]; then
	mkdir -p "$ROOT$TOP"
	mount --bind "$TOP" "$ROOT$TOP"
fi
chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root TERM="${TERM:-dumb}" LANG=C.UTF-8 \
	sh -c 'cd "${1:-/}" && shift && exec "$@"' in-2.4 "${TOP:-/}" "$@"
