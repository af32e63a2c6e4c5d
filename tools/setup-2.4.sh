#!/bin/sh
# Builds (once) and updates a Debian 13 (trixie) chroot with Dovecot 2.4
# and what the test suite needs, so that dovecot-retrieve can be built and
# tested against 2.4 on a Debian 12 host. tools/in-2.4.sh runs commands in
# it. Run as root; installs debootstrap on the host when it is missing.
#
# The chroot is cached in $RETRIEVE_CHROOT (/var/cache/dovecot-retrieve/
# trixie): a second run only checks that every package is installed.
# Nothing here may start a service on the host: the chroot's policy-rc.d
# forbids service starts, and /proc, /dev and /dev/pts are mounted in a
# private mount namespace only while apt runs (tools/in-2.4.sh).
set -eu
cd "$(dirname "$0")/.."

ROOT=${RETRIEVE_CHROOT:-/var/cache/dovecot-retrieve/trixie}
MIRROR=${RETRIEVE_MIRROR:-http://deb.debian.org/debian}
export RETRIEVE_CHROOT="$ROOT"

PACKAGES="dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd
dovecot-sieve dovecot-dev autoconf automake libtool make gcc pkg-config
openssl python3 valgrind ca-certificates procps time spamassassin spamd
rspamd strace libssl-dev"

if [ ! -e "$ROOT/.debootstrap-done" ]; then
	if ! command -v debootstrap >/dev/null; then
		echo "setup-2.4: installing debootstrap on the host"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			debootstrap debian-archive-keyring >/dev/null || {
			echo "setup-2.4: apt-get install debootstrap failed" >&2
			exit 1
		}
	fi
	echo "setup-2.4: debootstrap trixie into $ROOT (a few minutes)"
	mkdir -p "$ROOT"
	# A partial earlier run leaves a tree debootstrap refuses or half
	# reuses: start over unless the marker says it completed.
	debootstrap --variant=minbase \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		trixie "$ROOT" "$MIRROR" >"$ROOT.debootstrap.log" 2>&1 || {
		echo "setup-2.4: debootstrap failed, see $ROOT.debootstrap.log" >&2
		exit 1
	}
	touch "$ROOT/.debootstrap-done"
fi

# Package scripts must never start daemons (they would run on the host's
# network and hold its ports): 101 = action forbidden.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
echo "deb $MIRROR trixie main" >"$ROOT/etc/apt/sources.list"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
# The suite needs no documentation; keeps the cache small.
cat >"$ROOT/etc/dpkg/dpkg.cfg.d/01-nodoc" <<'EOF'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/locale/*
EOF

missing=""
for p in $PACKAGES; do
	chroot "$ROOT" dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup-2.4: installing in the chroot:$missing"
	tools/in-2.4.sh --root sh -c "
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq &&
		apt-get install -y -qq --no-install-recommends $missing" \
		>"$ROOT.apt.log" 2>&1 || {
		echo "setup-2.4: apt-get failed, see $ROOT.apt.log" >&2
		exit 1
	}
	chroot "$ROOT" apt-get clean
fi
echo "setup-2.4: $(chroot "$ROOT" dpkg-query -W -f='dovecot ${Version}' dovecot-core)" \
	"$(chroot "$ROOT" dpkg-query -W -f='pigeonhole ${Version}' dovecot-sieve) in $ROOT"
