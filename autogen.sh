#!/bin/sh
# Generates configure; Dovecot's m4 macros come from dovecot-dev.
set -e
for m in /usr/share/aclocal/dovecot.m4; do
	test -f "$m" || { echo "$m missing: install dovecot-dev" >&2; exit 1; }
done
# the build names m4/ (ACLOCAL_AMFLAGS); a copy without m4/.gitkeep lacks it
mkdir -p m4
# Dovecot's dovecot.m4 uses macros autoconf 2.71 calls obsolete; its
# warnings are not ours to fix
autoreconf -fi -Wno-obsolete
