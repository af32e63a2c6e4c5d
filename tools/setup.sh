#!/bin/sh
# Installs what is missing on Debian 12, then builds and installs
# dovecot-retrieve into Dovecot's module directories. Run as root.
# (clang and its runtimes: the fuzz targets, tests/run.sh --fuzz;
# spamassassin, spamd and rspamd: the spam scanner cases, which start
# their own; curl and jq: the bench's spam cases, bench/README.md.)
# Idempotent: a second run only rebuilds.
set -eu
cd "$(dirname "$0")/.."

PACKAGES="dovecot-dev dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd
dovecot-sieve autoconf automake libtool make gcc pkg-config openssl
python3 valgrind clang libclang-rt-dev spamassassin spamd rspamd curl jq
strace"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Debian starts the system Dovecot where it can; it is not needed here
# and the tests run their own instances.
if [ -e /run/dovecot/master.pid ] && [ "${RETRIEVE_KEEP_SYSTEM_DOVECOT:-}" = "" ]; then
	doveadm stop >/dev/null 2>&1 || true
fi

[ -x configure ] || ./autogen.sh >/dev/null
mkdir -p build
cd build
[ -f Makefile ] || ../configure --with-dovecot=/usr/lib/dovecot >/dev/null
make -j"$(nproc)" >/dev/null
make install >/dev/null
echo "setup: dovecot-retrieve built and installed (the automatic retrieval"
echo "       service is not enabled: README.md, \"Automatic retrieval\")"
