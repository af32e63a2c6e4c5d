#!/bin/sh
# build-2.4.sh [MAKE ARGS...]: builds this tree against Dovecot 2.4 in
# the chroot of tools/setup-2.4.sh, in build-2.4/. configure is generated
# from Dovecot's own dovecot.m4, which differs per version, so the build
# runs on a copy of the tree (build-2.4/src) and leaves the host's
# configure (2.3) alone. Default target: src/lib-retrieve (how far the
# port is: doc/dovecot-2.4.md).
set -eu
cd "$(dirname "$0")/.."
TOP=$(pwd)
OUT=build-2.4
mkdir -p "$OUT/src"
# the tracked and new files as they are now, not what git last saw
git ls-files -co --exclude-standard -z | grep -zv '^build' |
	tar --null -T - -cf - | tar -C "$OUT/src" -xf -
[ $# -gt 0 ] || set -- -C src/lib-retrieve
exec tools/in-2.4.sh sh -c '
	set -e
	cd "$1/src"
	shift
	# maintainer mode is off: regenerate when configure.ac or a
	# Makefile.am changed
	if [ ! -x configure ] || [ ! -f Makefile ] ||
	   [ -n "$(find . -name configure.ac -newer configure -o \
		-name Makefile.am -newer configure | head -1)" ]; then
		autoreconf -fi -Wno-obsolete >/dev/null 2>&1 ||
			autoreconf -fi -Wno-obsolete
		./configure --with-dovecot=/usr/lib/dovecot >/dev/null
	fi
	make -j2 "$@"' build-2.4 "$TOP/$OUT" "$@"
