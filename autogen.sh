#!/bin/sh
# Generates configure; Dovecot's m4 macros come from dovecot-dev.
set -e
for m in /usr/share/aclocal/dovecot.m4; do
	test -f "$m" || { echo "$m missing: install dovecot-dev" >&2; exit 1; }
done
autoreconf -fi
